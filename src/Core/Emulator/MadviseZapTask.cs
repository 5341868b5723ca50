using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>
/// <c>madvise dontneed|remove</c>, VMA by VMA: a registered VMA with EVENT_REMOVE first tells the
/// monitor (REMOVE, clipped to the VMA) and sleeps until it is read. Then DONTNEED looks the VMA up
/// again (ENOMEM when it is gone, clipped to it when it shrank) and zaps it, while REMOVE punches
/// the file range it found before it slept, whatever maps it now (it holds the file meanwhile).
/// A hole in the range answers ENOMEM after the rest was done.
/// </summary>
/// Kernel: madvise_walk_vmas() -> madvise_dontneed_free() / madvise_remove(), userfaultfd_remove() (mm/madvise.c).
public sealed class MadviseZapTask(MmStruct mm, ulong start, ulong end, Advice advice) : EmulatedTask(mm)
{
    private ulong _cursor = start;
    private ulong _removeEnd;
    private bool _afterRemove;
    private bool _hole;
    private Mm.MemoryFile? _punchFile;
    private ulong _punchOffset;

    public override CommandResult? Run()
    {
        while (true)
        {
            if (_afterRemove)
            {
                _afterRemove = false;
                var error = advice == Advice.Remove ? PunchAfterRemove() : DontNeedAfterRemove();
                if (error != Errno.None)
                    return CommandResult.Error(error);
                continue;
            }
            if (_cursor >= end)
                break;
            var vma = Mm.Vmas.FindFrom(_cursor);
            if (vma is null)
                return CommandResult.Error(Errno.ENOMEM);
            if (vma.Start >= end)
            {
                _hole = true;
                break;
            }
            _hole |= vma.Start > _cursor;
            ulong s = Math.Max(_cursor, vma.Start), e = Math.Min(end, vma.End);
            var check = Advise.CheckZapVma(vma, advice, s, ref e);
            if (check != Errno.None)
                return CommandResult.Error(check);
            if (e <= s)
            {
                _cursor = Math.Min(end, vma.End);
                continue;
            }
            if (UffdEvents.PrepareRemove(vma, s, e) is { } remove)
            {
                _cursor = s;
                _removeEnd = e;
                _afterRemove = true;
                if (advice == Advice.Remove)
                {
                    _punchFile = vma.File!;
                    _punchFile.References++;
                    _punchOffset = Advise.FileOffset(Mm, vma, s);
                }
                if (remove.Context.PostEvent(remove))
                {
                    Waiter = remove;
                    return null;
                }
                continue;
            }
            var applied = Advise.ApplyToVma(Mm, vma, s, e, advice);
            if (applied != Errno.None)
                return CommandResult.Error(applied);
            _cursor = e;
        }
        return _hole ? CommandResult.Error(Errno.ENOMEM) : CommandResult.Ok();
    }

    public override void ReportReferences(Debug.ReferenceCensus census)
    {
        if (_punchFile is { } file)
            census.OpenFile(file);
    }

    public override void Abandon()
    {
        base.Abandon();
        if (_punchFile is { } file)
            Mm.System.DropFileReference(file);
        _punchFile = null;
    }

    private Errno DontNeedAfterRemove()
    {
        var again = Mm.Vmas.Find(_cursor);
        if (again is null)
            return Errno.ENOMEM;
        ulong to = _removeEnd;
        var error = Advise.CheckZapVma(again, advice, _cursor, ref to);
        if (error == Errno.None && Math.Min(to, again.End) > _cursor)
            error = Advise.ApplyToVma(Mm, again, _cursor, Math.Min(to, again.End), advice);
        _cursor = Math.Min(_removeEnd, again.End);
        return error;
    }

    private Errno PunchAfterRemove()
    {
        var file = _punchFile!;
        _punchFile = null;
        Advise.PunchFile(Mm.System, file, _punchOffset, _removeEnd - _cursor);
        Mm.System.DropFileReference(file);
        _cursor = _removeEnd;
        return Errno.None;
    }
}
