<#
.SYNOPSIS
Creates a Hyper-V Generation 2 VM that boots sinter from build/sinter.vhdx.

.DESCRIPTION
Run in an elevated PowerShell (or as a member of "Hyper-V Administrators")
on the Hyper-V host, after copying build/sinter.vhdx there (make image
IMAGE_CMDLINE="..."). The VM gets: the VHDX on its SCSI controller, static
memory, Secure Boot off, COM1 on a named pipe, the integration services
sinter drives (heartbeat, shutdown, time synchronization). docs/hyperv.md
says what the screen and COM1 show at each stage of the boot.

An existing VM with the same name is never touched unless -Force (or its
alias -Replace) is given; then it is turned off and removed (its disk files
are left alone). -WhatIf shows every step without doing it; -Confirm asks
before each.

.EXAMPLE
.\new-sinter-vm.ps1 -Vhdx C:\vms\sinter.vhdx
.EXAMPLE
.\new-sinter-vm.ps1 -Vhdx C:\vms\sinter.vhdx -Name sinter2 -Cpus 4 -MemoryMB 1024 -Force -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
param(
    [Parameter(Mandatory = $true)][string]$Vhdx,
    [ValidatePattern('^[^\\/:*?"<>|]+$')][string]$Name = 'sinter',
    [ValidateRange(1, 64)][int]$Cpus = 2,
    [ValidateRange(128, 65536)][int]$MemoryMB = 512,
    [Alias('Replace')][switch]$Force,
    [switch]$NoStart
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

function Stop-WithReason([string]$Problem, [string]$Fix) {
    Write-Host "new-sinter-vm: $Problem" -ForegroundColor Red
    Write-Host "  $Fix"
    exit 1
}

# ---- checks, each with what to do about it ----

# Creating VMs needs an elevated session or membership in the local
# "Hyper-V Administrators" group (well-known SID S-1-5-32-578).
$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object Security.Principal.WindowsPrincipal($identity)
$isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$isHvAdmin = $principal.IsInRole([Security.Principal.SecurityIdentifier]'S-1-5-32-578')
if (-not ($isAdmin -or $isHvAdmin)) {
    Stop-WithReason 'this PowerShell is not elevated.' `
        'Right-click PowerShell, "Run as administrator", or add your account to "Hyper-V Administrators" and sign in again.'
}

if (-not (Get-Module -ListAvailable -Name Hyper-V)) {
    Stop-WithReason 'the Hyper-V PowerShell module is not installed.' `
        ('Windows 10/11: Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-Management-PowerShell; ' +
         'Windows Server: Install-WindowsFeature -Name Hyper-V-PowerShell. Then open a new PowerShell.')
}
Import-Module Hyper-V

if (-not (Test-Path -LiteralPath $Vhdx -PathType Leaf)) {
    Stop-WithReason "no file at $Vhdx." `
        'Build it with "make image" (build/sinter.vhdx) and copy it to this host; give its full path to -Vhdx.'
}
$Vhdx = (Resolve-Path -LiteralPath $Vhdx).ProviderPath
# Generation 2 VMs boot only from VHDX, never VHD (the fixed sinter.vhd
# that make image also writes is for other tools and hosts).
if ([IO.Path]::GetExtension($Vhdx) -ne '.vhdx') {
    Stop-WithReason "$Vhdx is not a .vhdx file." `
        'A Generation 2 VM boots only from VHDX: use build/sinter.vhdx, not sinter.vhd or sinter.img.'
}

$existing = Get-VM -Name $Name -ErrorAction SilentlyContinue
if ($existing -and -not $Force) {
    Stop-WithReason "a VM named '$Name' already exists (state: $($existing.State))." `
        "Pick another -Name, or pass -Force (alias -Replace) to turn it off and remove it first (its disks stay)."
}

# ---- replace the old VM, only when asked to ----
if ($existing) {
    if ($PSCmdlet.ShouldProcess($Name, 'Turn off and remove the existing VM (-Force)')) {
        if ($existing.State -ne 'Off') {
            Stop-VM -Name $Name -TurnOff -Force
        }
        Remove-VM -Name $Name -Force
    } else {
        # Under -WhatIf (or "no" at -Confirm) the old VM stays, so the steps
        # below can only be shown, not done.
        Write-Host "new-sinter-vm: '$Name' kept; the steps below would follow its removal."
    }
}

# ---- the VM ----
# Generation 2: UEFI firmware and VMBus devices only, which is what sinter is
# for. -VHDPath attaches the existing disk (the "Existing VHD" parameter set;
# -NoVHD belongs to another) to SCSI controller 0, the only disk controller a
# Generation 2 VM has.
# (1024 * 1024, not 1MB: the tree-sitter grammar make test parses this file
# with rejects a multiplier literal on the right of "*".)
$memoryBytes = [int64]$MemoryMB * 1024 * 1024
$what = "Generation 2 VM, $Cpus CPUs, $MemoryMB MB static memory, disk $Vhdx"
if (-not $PSCmdlet.ShouldProcess($Name, "Create $what")) {
    Write-Host "new-sinter-vm: would also set: Secure Boot off, COM1 on \\.\pipe\$Name-com1," `
        'integration services Heartbeat, Shutdown, Time Synchronization, first boot from the disk, start.'
    return
}
New-VM -Name $Name -Generation 2 -MemoryStartupBytes $memoryBytes -VHDPath $Vhdx | Out-Null
$vm = Get-VM -Name $Name
if ($vm.Generation -ne 2) {
    Stop-WithReason "VM '$Name' came out as generation $($vm.Generation)." 'sinter needs Generation 2 (UEFI); remove it and check the host supports Generation 2 (Windows 8.1 / Server 2012 R2 or later).'
}
$disk = Get-VMHardDiskDrive -VMName $Name
if (@($disk).Count -ne 1 -or $disk.ControllerType -ne 'SCSI') {
    Stop-WithReason "the disk of '$Name' is not on the SCSI controller." 'Check Get-VMHardDiskDrive -VMName $Name.'
}

Set-VMProcessor -VMName $Name -Count $Cpus
# Static memory: sinter's page allocator takes the UEFI memory map once at
# boot; it does not hand pages back to a Dynamic Memory balloon yet.
Set-VMMemory -VMName $Name -DynamicMemoryEnabled $false -StartupBytes $memoryBytes
# Secure Boot off: BOOTX64.EFI is not signed by a key in the VM's Secure
# Boot database, so with Secure Boot on the firmware refuses to start it.
Set-VMFirmware -VMName $Name -EnableSecureBoot Off
# COM1 on a named pipe, set before the first start: the firmware describes a
# COM port to the guest only if a pipe is attached when the VM boots.
$pipe = "\\.\pipe\$Name-com1"
Set-VMComPort -VMName $Name -Number 1 -Path $pipe
# The integration services sinter's VMBus drivers answer.
Enable-VMIntegrationService -VMName $Name -Name 'Heartbeat', 'Shutdown', 'Time Synchronization'
# Boot the disk first, not the network adapter New-VM added.
Set-VMFirmware -VMName $Name -FirstBootDevice $disk

$com = Get-VMComPort -VMName $Name -Number 1
Write-Host "new-sinter-vm: created '$Name' (generation $($vm.Generation), $Cpus CPUs, $MemoryMB MB static, Secure Boot off)"
Write-Host "  disk:  $Vhdx on SCSI $($disk.ControllerNumber):$($disk.ControllerLocation)"
Write-Host "  COM1:  $($com.Path)"
Get-VMIntegrationService -VMName $Name -Name 'Heartbeat', 'Shutdown', 'Time Synchronization' |
    ForEach-Object { Write-Host ("  IC:    {0} enabled={1}" -f $_.Name, $_.Enabled) }

if (-not $NoStart) {
    Start-VM -Name $Name
    Write-Host "new-sinter-vm: started '$Name'."
}
Write-Host ''
Write-Host 'Read the serial log (COM1) from the pipe, in another PowerShell on this host:'
Write-Host "  `$p = New-Object IO.Pipes.NamedPipeClientStream('.', '$Name-com1', [IO.Pipes.PipeDirection]::In)"
Write-Host '  $p.Connect(); $r = New-Object IO.StreamReader($p); while ($null -ne ($l = $r.ReadLine())) { $l }'
Write-Host "  (or PuTTY: Connection type Serial, serial line $pipe). Only one reader can hold the pipe."
Write-Host "See the screen: vmconnect.exe localhost $Name"
Write-Host "Stop it:  Stop-VM -Name $Name            (sinter's shutdown IC powers the guest off cleanly)"
Write-Host "          Stop-VM -Name $Name -TurnOff   (if the guest does not answer)"
