/* The framebuffer status page (drivers/status_page.c). */
#ifndef SINTER_DRIVERS_STATUS_PAGE_H
#define SINTER_DRIVERS_STATUS_PAGE_H
/* Draws it at the top of the screen (its first row: the boot summary line)
 * and logs its rows to serial. */
void status_page_show(const char *summary);
/* From the idle loop: redraws the live row at most twice a second. */
void status_page_tick(void);
#endif
