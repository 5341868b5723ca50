using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup;

/// <summary>Whether GUP may touch a VMA at all for these flags.</summary>
/// Kernel: check_vma_flags() (mm/gup.c), as of 6.18: FOLL_FORCE writes into private hugetlb are allowed;
/// arch_vma_access_permitted() at its end.
public static class VmaAccessCheck
{
    public static Errno Check(MemorySystem system, Vma vma, GupFlags flags)
    {
        if ((flags & GupFlags.Anon) != 0 && !vma.IsAnonymous)
            return Errno.EFAULT;
        if ((flags & GupFlags.SplitPmd) != 0 && vma.IsHugetlb)
            return Errno.EOPNOTSUPP;
        if ((flags & GupFlags.Write) != 0)
        {
            if (!vma.Has(VmFlags.Write))
            {
                if ((flags & GupFlags.Force) == 0 || !vma.IsCowMapping)
                    return Errno.EFAULT;
            }
        }
        else if (!vma.Has(VmFlags.Read))
        {
            if ((flags & GupFlags.Force) == 0 || !vma.Has(VmFlags.MayRead))
                return Errno.EFAULT;
        }
        if ((flags & GupFlags.Remote) == 0 && PageProt.KeyDeniesData(system, vma))
            return Errno.EFAULT;
        return Errno.None;
    }
}
