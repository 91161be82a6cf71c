# Creates (or re-creates) a Hyper-V Generation 2 VM that boots sinter.
# Run in an elevated PowerShell on the Hyper-V host, after copying
# build/sinter.vhdx there (make image IMAGE_CMDLINE="...").
#
#   .\new-sinter-vm.ps1 -Vhdx C:\vms\sinter.vhdx [-Name sinter] [-Cpus 2] [-MemoryMB 512]
#
# Serial: COM1 is a named pipe, \\.\pipe\<Name>-com1; read it with e.g.
#   putty -serial \\.\pipe\sinter-com1   (or any named-pipe terminal)
# The kernel's log and the boot summary line appear there.
param(
    [Parameter(Mandatory = $true)][string]$Vhdx,
    [string]$Name = "sinter",
    [int]$Cpus = 2,
    [int]$MemoryMB = 512
)
$ErrorActionPreference = "Stop"

if (Get-VM -Name $Name -ErrorAction SilentlyContinue) {
    Stop-VM -Name $Name -TurnOff -Force -ErrorAction SilentlyContinue
    Remove-VM -Name $Name -Force
}
# Generation 2: UEFI firmware, VMBus-only devices -- what sinter is for.
New-VM -Name $Name -Generation 2 -MemoryStartupBytes ($MemoryMB * 1MB) -VHDPath $Vhdx -NoVHD:$false | Out-Null
Set-VMProcessor -VMName $Name -Count $Cpus
Set-VMMemory -VMName $Name -DynamicMemoryEnabled $false
# sinter is not signed: Secure Boot off.
Set-VMFirmware -VMName $Name -EnableSecureBoot Off
Set-VMComPort -VMName $Name -Number 1 -Path "\\.\pipe\$Name-com1"
# The integration services sinter drives: heartbeat, shutdown, time sync.
Enable-VMIntegrationService -VMName $Name -Name "Heartbeat", "Shutdown", "Time Synchronization"
# Prefer the virtual disk over PXE.
Set-VMFirmware -VMName $Name -FirstBootDevice (Get-VMHardDiskDrive -VMName $Name)
Start-VM -Name $Name
Write-Host "Started $Name. Serial log: \\.\pipe\$Name-com1"
Write-Host "Try: Stop-VM -Name $Name   (sinter's shutdown IC powers the guest off cleanly)"
