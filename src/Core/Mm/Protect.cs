
namespace Pluggable.Core.Mm;

/// <summary>mprotect: new flags on the VMAs of a fully mapped range, and new attributes on their entries.</summary>
/// Kernel: do_mprotect_pkey(), mprotect_fixup(), change_protection() -> change_pte_range().
public static class Protect
{
    public static Errno Mprotect(MmStruct mm, ulong start, ulong length, Protection prot)
    {
        var geo = mm.System.Geometry;
        if ((start & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        if (length == 0)
            return Errno.None;
        ulong end = start + ((length + geo.PageSize - 1) & geo.PageMask);
        if (end <= start)
            return Errno.ENOMEM;
        var vmas = mm.Vmas.Intersecting(start, end);
        ulong cursor = start;
        foreach (var vma in vmas)
        {
            if (vma.Start > cursor)
                return Errno.ENOMEM;
            cursor = vma.End;
        }
        if (cursor < end)
            return Errno.ENOMEM;
        foreach (var vma in vmas)
        {
            if (prot.HasFlag(Protection.Write) && !vma.Has(VmFlags.MayWrite))
                return Errno.EACCES;
        }
        int shift = mm.System.PageShift;
        var split = VmaSplit.SplitRange(mm, start, end);
        if (split != Errno.None)
            return split;
        foreach (var vma in mm.Vmas.Intersecting(start, end))
        {
            var access = VmFlags.None;
            if (prot.HasFlag(Protection.Read)) access |= VmFlags.Read;
            if (prot.HasFlag(Protection.Write)) access |= VmFlags.Write;
            if (prot.HasFlag(Protection.Exec)) access |= VmFlags.Exec;
            var account = Charge(mm, vma, access);
            if (account is null)
            {
                mm.Vmas.MergeAround(start, end, shift);
                return Errno.ENOMEM;
            }
            vma.Flags = (vma.Flags & ~(VmFlags.AccessMask | VmFlags.Account)) | access | account.Value;
            var cp = PageProt.WantsManualWriteUpgrade(vma) ? ChangeProtectionFlags.TryChangeWritable : ChangeProtectionFlags.None;
            ChangeProtection.Range(mm, vma, vma.Start, vma.End, cp);
        }
        mm.Vmas.MergeAround(start, end, shift);
        return Errno.None;
    }

    /// <summary>
    /// The commit charge of the new protection: a private mapping that becomes writable for the
    /// first time is charged (null: ENOMEM when it is larger than the machine's memory); an
    /// anonymous one that stops being writable before it has pages gives its charge back.
    /// </summary>
    /// Kernel: the VM_ACCOUNT part of mprotect_fixup().
    private static VmFlags? Charge(MmStruct mm, Vma vma, VmFlags access)
    {
        if ((access & VmFlags.Write) != 0)
        {
            if ((vma.Flags & (VmFlags.Account | VmFlags.Write | VmFlags.Hugetlb | VmFlags.Shared)) != 0)
                return vma.Flags & VmFlags.Account;
            return Overcommit.Allows(mm.System, vma.Length) ? VmFlags.Account : null;
        }
        return vma.Has(VmFlags.Account) && vma.IsAnonymous && vma.AnonVma == 0 ? VmFlags.None : vma.Flags & VmFlags.Account;
    }
}
