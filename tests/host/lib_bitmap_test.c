/* The frame bitmap behind the page allocator, checked against a plain
 * bool-array model under random operations. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "lib/bitmap.h"

static void test_init_all_used(void)
{
    uint64_t w[BITMAP_WORDS(130)];
    struct bitmap b;
    bitmap_init(&b, w, 130);
    CHECK_EQ(b.set_count, 130);
    CHECK_EQ(bitmap_alloc_run(&b, 1, 1), (size_t)-1);
    CHECK_EQ(bitmap_clear_range(&b, 60, 10), 10);
    CHECK_EQ(b.set_count, 120);
    CHECK_EQ(bitmap_clear_range(&b, 60, 10), 0); /* already clear */
    CHECK_EQ(bitmap_clear_range(&b, 125, 100), 5); /* clipped at nbits */
    CHECK(!bitmap_test(&b, 200));
}

static void test_runs_and_alignment(void)
{
    uint64_t w[BITMAP_WORDS(1024)];
    struct bitmap b;
    bitmap_init(&b, w, 1024);
    bitmap_clear_range(&b, 3, 1000);
    size_t a = bitmap_alloc_run(&b, 5, 1);
    CHECK_EQ(a, 3);
    size_t c = bitmap_alloc_run(&b, 16, 16);
    CHECK_EQ(c % 16, 0);
    CHECK(c >= 8);
    for (size_t i = c; i < c + 16; i++)
        CHECK(bitmap_test(&b, i));
    CHECK_EQ(bitmap_alloc_run(&b, 2000, 1), (size_t)-1);
    CHECK_EQ(bitmap_alloc_run(&b, 4, 3), (size_t)-1); /* not a power of two */
    CHECK_EQ(bitmap_alloc_run(&b, 0, 1), (size_t)-1);
}

static void test_crossing_words(void)
{
    uint64_t w[BITMAP_WORDS(256)];
    struct bitmap b;
    bitmap_init(&b, w, 256);
    bitmap_clear_range(&b, 60, 10); /* bits 60..69 straddle words 0 and 1 */
    CHECK_EQ(bitmap_alloc_run(&b, 10, 1), 60);
    CHECK_EQ(b.set_count, 256);
    CHECK_EQ(bitmap_alloc_run(&b, 1, 1), (size_t)-1);
}

static void test_random_against_model(void)
{
    enum { N = 700 };
    uint64_t w[BITMAP_WORDS(N)];
    bool model[N];
    struct bitmap b;
    bitmap_init(&b, w, N);
    for (int i = 0; i < N; i++)
        model[i] = true;
    srand(7);
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 3;
        size_t first = (size_t)rand() % N, count = (size_t)rand() % 40 + 1;
        if (op == 0) {
            size_t changed = bitmap_clear_range(&b, first, count), expect = 0;
            for (size_t i = first; i < first + count && i < N; i++) {
                expect += model[i];
                model[i] = false;
            }
            CHECK_EQ(changed, expect);
        } else {
            size_t align = (size_t)1 << (rand() % 4);
            size_t at = bitmap_alloc_run(&b, count, align);
            if (at != (size_t)-1) {
                CHECK_EQ(at % align, 0);
                for (size_t i = at; i < at + count; i++) {
                    CHECK(!model[i]);
                    model[i] = true;
                }
            } else {
                /* The model agrees no aligned run exists. */
                for (size_t s = 0; s + count <= N; s += align) {
                    size_t j = 0;
                    while (j < count && !model[s + j])
                        j++;
                    CHECK(j < count);
                    if (j == count)
                        break;
                }
            }
        }
        size_t set = 0;
        for (int i = 0; i < N; i++) {
            set += model[i];
            if (bitmap_test(&b, (size_t)i) != model[i]) {
                CHECK(!"bitmap disagrees with model");
                return;
            }
        }
        CHECK_EQ(b.set_count, set);
    }
}

int main(void)
{
    RUN_TEST(test_init_all_used);
    RUN_TEST(test_runs_and_alignment);
    RUN_TEST(test_crossing_words);
    RUN_TEST(test_random_against_model);
    CHECK_MAIN_END();
}
