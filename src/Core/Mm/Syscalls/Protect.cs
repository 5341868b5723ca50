
namespace Pluggable.Core.Mm;

/// <summary>
/// mprotect: VMA by VMA from the start of the range, each changed (split where the range cuts it,
/// then its entries updated) before the next is looked at. A hole, or a VMA that refuses the
/// change, ends the walk with the VMAs before it already changed; a range that runs past the last
/// VMA is changed up to there and then answers ENOMEM. A VMA that already has the new flags is
/// left alone, not even split.
/// </summary>
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
        var vma = mm.Vmas.FindFrom(start);
        if (vma is null || vma.Start >= end || vma.Start > start)
            return Errno.ENOMEM;
        var error = Errno.None;
        ulong cursor = start;
        while (vma is not null && vma.Start < end)
        {
            if (vma.Start > cursor)
            {
                error = Errno.ENOMEM;
                break;
            }
            var newFlags = (vma.Flags & ~VmFlags.AccessMask) | AccessFlags(prot);
            if (!MayHave(newFlags))
            {
                error = Errno.EACCES;
                break;
            }
            ulong to = Math.Min(vma.End, end);
            error = Fixup(mm, vma, cursor, to, newFlags);
            if (error != Errno.None)
                break;
            cursor = to;
            vma = cursor < end ? mm.Vmas.FindFrom(cursor) : null;
        }
        if (error == Errno.None && cursor < end)
            return Errno.ENOMEM;
        return error;
    }

    /// <summary>Gives [start, end) of one VMA the new flags and its entries the new protection; nothing at all when the flags are its own already.</summary>
    /// Kernel: mprotect_fixup() -> vma_modify_flags(), change_protection().
    private static Errno Fixup(MmStruct mm, Vma vma, ulong start, ulong end, VmFlags newFlags)
    {
        if (newFlags == vma.Flags)
            return Errno.None;
        if (Charge(mm, vma, newFlags, end - start) is not { } account)
            return Errno.ENOMEM;
        newFlags = (newFlags & ~VmFlags.Account) | account;
        var error = VmaModify.Apply(mm, vma, start, end, part => part.Flags = newFlags, out var changed);
        if (error != Errno.None)
            return error;
        var cp = PageProt.WantsManualWriteUpgrade(changed) ? ChangeProtectionFlags.TryChangeWritable : ChangeProtectionFlags.None;
        ChangeProtection.Range(mm, changed, start, end, cp);
        return Errno.None;
    }

    /// <summary>
    /// The commit charge of the new flags: a private mapping that becomes writable for the first
    /// time is charged for the part changed (null: ENOMEM when it is larger than the machine's
    /// memory); an anonymous one that stops being writable before it has pages gives its charge back
    /// (after 6.1, see KernelBehaviour).
    /// </summary>
    /// Kernel: the VM_ACCOUNT part of mprotect_fixup().
    private static VmFlags? Charge(MmStruct mm, Vma vma, VmFlags newFlags, ulong length)
    {
        if ((newFlags & VmFlags.Write) != 0)
        {
            if ((vma.Flags & (VmFlags.Account | VmFlags.Write | VmFlags.Hugetlb | VmFlags.Shared)) != 0)
                return vma.Flags & VmFlags.Account;
            return Overcommit.Allows(mm.System, length) ? VmFlags.Account : null;
        }
        return vma.Has(VmFlags.Account) && vma.IsAnonymous && vma.AnonVma == 0 && mm.System.Kernel.ReadOnlyGivesChargeBack
            ? VmFlags.None
            : vma.Flags & VmFlags.Account;
    }

    private static VmFlags AccessFlags(Protection prot)
    {
        var access = VmFlags.None;
        if (prot.HasFlag(Protection.Read)) access |= VmFlags.Read;
        if (prot.HasFlag(Protection.Write)) access |= VmFlags.Write;
        if (prot.HasFlag(Protection.Exec)) access |= VmFlags.Exec;
        return access;
    }

    /// <summary>Every access asked for needs its VM_MAY* bit. Kernel: the newflags &amp; ~(newflags >> 4) test.</summary>
    private static bool MayHave(VmFlags flags) =>
        (!flags.HasFlag(VmFlags.Read) || flags.HasFlag(VmFlags.MayRead))
        && (!flags.HasFlag(VmFlags.Write) || flags.HasFlag(VmFlags.MayWrite))
        && (!flags.HasFlag(VmFlags.Exec) || flags.HasFlag(VmFlags.MayExec));
}
