namespace Pluggable.Arch.PowerPc;

/// <summary>The MMU families the plugin models; Book3S-64 picks hash or radix at boot, the 8xx is its own platform.</summary>
/// Kernel: radix_enabled() / MMU_FTR_TYPE_RADIX (asm/mmu.h), CONFIG_PPC_8xx.
public enum PowerPcMmu
{
    Hash,
    Radix,
    Mpc8xx,
}
