using static Pluggable.Arch.PowerPc.Mpc8xxPteBits;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Names the set bits of a present 8xx pte for <c>dump</c>, lowest first. The two PP bits are read as
/// one field because NA and RO share a bit.
/// </summary>
/// Kernel: the _PAGE_* definitions of arch/powerpc/include/asm/nohash/32/pte-8xx.h.
internal static class Mpc8xxBitNames
{
    public static string Describe(uint w)
    {
        var names = new List<string>();
        void Add(uint bit, string name)
        {
            if ((w & bit) != 0)
                names.Add(name);
        }

        Add(Present, "PRESENT");
        Add(NoCache, "NO_CACHE");
        Add(Sh, "SH");
        Add(Sps, "SPS");
        Add(Guarded, "GUARDED");
        Add(Accessed, "ACCESSED");
        Add(Exec, "EXEC");
        Add(Special, "SPECIAL");
        Add(Dirty, "DIRTY");
        switch (w & PpMask)
        {
            case Na: names.Add("NA"); break;
            case Ro: names.Add("RO"); break;
            case 0x400: names.Add("PP=10"); break;
        }

        Add(Huge, "HUGE");
        return string.Join(" ", names);
    }
}
