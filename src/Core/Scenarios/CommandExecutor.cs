using Pluggable.Core.Gup.Syscalls;
using Pluggable.Core.Userfaultfd;

using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Runs one command on the backend: resolves labels, sizes and names, calls the backend, and keeps
/// the name tables (labels, memory files, processes, userfaultfds) up to date with the results.
/// Script errors (unknown label, overflowing size) surface as <see cref="ScriptErrorException"/>;
/// they are checked before the userfaultfd name, so a script bug is never hidden behind EBADF.
/// </summary>
internal sealed class CommandExecutor(IScenarioBackend backend, ProcessTree processes, LabelAddressFormatter addresses)
{
    private BackendFacts _facts = backend.Facts;

    /// <summary>The backend's facts as the script has changed them so far (<c>default_hugepagesz</c>): what sizes and expectations resolve against.</summary>
    public BackendFacts Facts => _facts;

    /// <summary>The huge page size a hugetlb memfd without <c>page=</c> gets, once the script chose one.</summary>
    private ulong _defaultHugePage;

    /// <summary>Userfaultfd names are global; fork events add <c>NAME@CHILD</c>.</summary>
    private readonly Dictionary<string, int> _uffds = new(StringComparer.Ordinal);

    /// <summary>The name of the most recent <c>fork</c>: the CHILD of fork events.</summary>
    private string? _lastFork;

    /// <summary>Binds the userfaultfd a fork event delivered; returns its name.</summary>
    public string BindForkUffd(string readFrom, int handle)
    {
        string name = $"{readFrom}@{_lastFork}";
        _uffds[name] = handle;
        return name;
    }

    public CommandResult Execute(ScenarioCommand command, CommandContext context)
    {
        var p = context.Process;
        addresses.Current = p;
        return command switch
        {
            ArchCommand or NeedsCommand => CommandResult.Ok(),
            DefaultHugepageszCommand c => DefaultHugepagesz(c),
            HugepagesCommand c => backend.Hugepages(Size(c.Size), c.Count),
            ThpCommand c => backend.Thp(c.Policy),
            MemfdCommand c => Memfd(p, c),
            MmapAnonCommand c => MmapAnon(p, c),
            MmapFileCommand c => MmapFile(p, c),
            MunmapCommand c => backend.Munmap(p.Id, Address(context, c.Address), Size(c.Size)),
            MprotectCommand c => backend.Mprotect(p.Id, Address(context, c.Address), Size(c.Size), c.Protection),
            MadviseCommand c => backend.Madvise(p.Id, Address(context, c.Address), Size(c.Size), c.Advice),
            MremapCommand c => Mremap(p, c),
            ForkCommand c => Fork(context, c),
            InCommand c => In(context, c),
            UffdCommand c => Uffd(p, c),
            ApiCommand c => Uffd(c.Name, out int h) ? backend.UffdApi(p.Id, h, c.Features, c.Version) : BadUffd,
            RegisterCommand c => Register(context, c),
            UnregisterCommand c => Unregister(context, c),
            CopyCommand c => Copy(context, c),
            ZeropageCommand c => Zeropage(context, c),
            ContinueCommand c => Continue(context, c),
            PoisonCommand c => Poison(context, c),
            MoveCommand c => Move(context, c),
            WriteProtectCommand c => WriteProtect(context, c),
            WakeCommand c => Wake(context, c),
            ReadCommand c => Read(context, c),
            CloseCommand c => Uffd(c.Uffd, out int h) ? backend.Close(p.Id, h) : BadUffd,
            TouchCommand c => backend.Touch(p.Id, Address(context, c.Address), c.Write, c.Value),
            FillCommand c => backend.Fill(p.Id, Address(context, c.Address), Size(c.Size), c.Pattern),
            CheckCommand c => Check(context, c),
            PagemapCommand c => backend.Pagemap(p.Id, Address(context, c.Address), Size(c.Size)),
            FramesCommand c => Frames(backend.Pagemap(p.Id, Address(context, c.Address), Size(c.Size))),
            LongTermPinCommand c => backend.LongTermPin(p.Id, new LongTermPinRequest(c.Kind, c.Name, Address(context, c.Address), Size(c.Size))),
            EndLongTermPinCommand c => backend.EndLongTermPin(p.Id, c.Kind, c.Name),
            GupSyscallCommand c => GupSyscall(context, c),
            GupCommand c => Gup(context, c),
            RefsCommand c => backend.Refs(p.Id, Address(context, c.Address), Size(c.Size)),
            UnpinCommand c => backend.Unpin(p.Id, Address(context, c.Address), c.Pages),
            DumpCommand c => backend.Dump(p.Id, Address(context, c.Address), Size(c.Size)),
            TraceCommand c => backend.Trace(c.On),
            _ => throw new InvalidOperationException($"no executor for {command.GetType().Name}"),
        };
    }

    private static CommandResult BadUffd => CommandResult.Error(Errno.EBADF);

    private ulong Size(SizeExpr size) => size.Resolve(_facts);

    private ulong Address(CommandContext context, AddressExpr address)
    {
        var label = processes.ResolveLabel(context.Process, address.Label);
        ulong offset = address.ResolveOffset(_facts);
        if (offset > ulong.MaxValue - label.Address)
            throw new ScriptErrorException($"address '{address.Text}' is too large");
        context.OwnLabel ??= label;
        return label.Address + offset;
    }

    private bool Uffd(string name, out int handle) => _uffds.TryGetValue(name, out handle);

    /// <summary>A label covers whole base pages, as the kernel rounds the length of a mapping.</summary>
    private ulong MappingSize(ulong size)
    {
        ulong mask = _facts.PageSize - 1;
        return size > ulong.MaxValue - mask ? size : (size + mask) & ~mask;
    }

    private static bool Placed(CommandResult result) => result.Kind is ResultKind.Ok or ResultKind.Blocked;

    /// <summary>
    /// Kernel: the default_hugepagesz= boot parameter (hugetlb_default_setup(), mm/hugetlb.c): the
    /// default hstate, which MFD_HUGETLB without a size flag and the <c>hp</c> unit then mean. The
    /// kernel warns about and ignores a size it has no pool for; a script is told EINVAL instead. A
    /// backend that cannot change its boot default (the live kernel) asks for the size explicitly.
    /// </summary>
    private CommandResult DefaultHugepagesz(DefaultHugepageszCommand c)
    {
        var chosen = c.Size;
        foreach (var (arch, alternative) in c.Alternatives)
        {
            if (ScenarioInterpreter.ArchMatches(arch, _facts))
            {
                chosen = alternative;
                break;
            }
        }
        ulong size = Size(chosen);
        if (_facts.HugePageSizes is { } sizes && !sizes.Contains(size))
            return CommandResult.Error(Errno.EINVAL);
        _facts = _facts with { HugePageSize = size };
        _defaultHugePage = size;
        return CommandResult.Ok();
    }

    private CommandResult Memfd(ScenarioProcess p, MemfdCommand c)
    {
        ulong size = Size(c.Size);
        ulong pageSize = c.PageSize is { } page ? Size(page) : c.Hugetlb ? _defaultHugePage : 0;
        // memfd_create() takes the size as its log2: anything else cannot be asked for.
        if ((pageSize & (pageSize - 1)) != 0)
            return CommandResult.ScriptError($"page={c.PageSize}: a huge page size is a power of two");
        var result = backend.Memfd(p.Id, c.Name, c.Hugetlb, size, pageSize);
        if (result.Kind == ResultKind.Ok)
            p.AddFile(c.Name, new MemoryFile(c.Name, size));
        return result;
    }

    private CommandResult MmapAnon(ScenarioProcess p, MmapAnonCommand c)
    {
        ulong size = Size(c.Size);
        ulong align = c.Align is { } a ? Size(a) : _facts.PmdSize;
        var result = backend.Mmap(p.Id, new MmapRequest(null, size, c.Shared, c.Protection, align, c.Populate, 0), out ulong address);
        if (Placed(result))
            processes.Bind(p, c.Label, address, MappingSize(size));
        return result;
    }

    private CommandResult MmapFile(ScenarioProcess p, MmapFileCommand c)
    {
        var file = processes.ResolveFile(p, c.File);
        ulong size = c.Size is { } s ? Size(s) : file.Size;
        ulong offset = c.Offset is { } o ? Size(o) : 0;
        var request = new MmapRequest(file.Name, size, !c.Private, c.Protection, _facts.PmdSize, false, offset);
        var result = backend.Mmap(p.Id, request, out ulong address);
        if (Placed(result))
            processes.Bind(p, c.Label, address, MappingSize(size));
        return result;
    }

    private CommandResult Mremap(ScenarioProcess p, MremapCommand c)
    {
        var label = processes.ResolveLabel(p, c.Label);
        ulong newSize = c.Size is { } s ? MappingSize(Size(s)) : label.Size;
        var result = backend.Mremap(p.Id, label.Address, label.Size, newSize, out ulong newAddress);
        if (Placed(result))
            processes.Bind(p, c.NewLabel, newAddress, newSize);
        return result;
    }

    private CommandResult Fork(CommandContext context, ForkCommand c)
    {
        var result = backend.Fork(context.Process.Id, out int childId);
        if (!Placed(result))
            return result;
        var child = processes.Fork(context.Process, childId, c.Name);
        child.WaitingForForkEvent = result.Kind == ResultKind.Blocked;
        context.ForkChild = child;
        _lastFork = c.Name;
        return result;
    }

    /// <summary>
    /// <c>in NAME [in NAME ...] COMMAND</c>: each NAME is the process before it or one of its
    /// descendants (at the top, any process); ESRCH when one is not, is unknown, or still waits for
    /// its fork event to be read. Followed in a loop, however long the chain.
    /// </summary>
    private CommandResult In(CommandContext context, InCommand c)
    {
        var process = context.Process;
        ScenarioCommand command = c;
        while (command is InCommand step)
        {
            var target = processes.Find(step.Process);
            if (target is null || target.WaitingForForkEvent || !ProcessTree.IsSelfOrDescendant(target, process))
                return CommandResult.Error(Errno.ESRCH);
            process = target;
            command = step.Command;
        }
        context.Process = process;
        return Execute(command, context);
    }

    private CommandResult Uffd(ScenarioProcess p, UffdCommand c)
    {
        var created = backend.UffdCreate(p.Id, c.Options, out int handle);
        if (created.Kind != ResultKind.Ok)
            return created;
        _uffds[c.Name] = handle;
        if (c.NoApi)
            return created;
        var api = backend.UffdApi(p.Id, handle, c.Features, UffdUapi.Api);
        if (created.Detail is { Count: > 0 })
        {
            var detail = new List<string>(created.Detail);
            if (api.Detail is not null)
                detail.AddRange(api.Detail);
            api.Detail = detail;
        }
        return api;
    }

    private CommandResult Register(CommandContext context, RegisterCommand c)
    {
        ulong start = Address(context, c.Address);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Register(context.Process.Id, h, start, length, c.Modes) : BadUffd;
    }

    private CommandResult Unregister(CommandContext context, UnregisterCommand c)
    {
        ulong start = Address(context, c.Address);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Unregister(context.Process.Id, h, start, length) : BadUffd;
    }

    private CommandResult Copy(CommandContext context, CopyCommand c)
    {
        ulong dst = Address(context, c.Destination);
        ulong src = Address(context, c.Source);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Copy(context.Process.Id, h, dst, src, length, c.Mode) : BadUffd;
    }

    private CommandResult Zeropage(CommandContext context, ZeropageCommand c)
    {
        ulong dst = Address(context, c.Destination);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Zeropage(context.Process.Id, h, dst, length, c.Mode) : BadUffd;
    }

    private CommandResult Continue(CommandContext context, ContinueCommand c)
    {
        ulong dst = Address(context, c.Destination);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Continue(context.Process.Id, h, dst, length, c.Mode) : BadUffd;
    }

    private CommandResult Poison(CommandContext context, PoisonCommand c)
    {
        ulong dst = Address(context, c.Destination);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Poison(context.Process.Id, h, dst, length, c.Mode) : BadUffd;
    }

    private CommandResult Move(CommandContext context, MoveCommand c)
    {
        ulong dst = Address(context, c.Destination);
        ulong src = Address(context, c.Source);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Move(context.Process.Id, h, dst, src, length, c.Mode) : BadUffd;
    }

    private CommandResult WriteProtect(CommandContext context, WriteProtectCommand c)
    {
        ulong start = Address(context, c.Address);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.WriteProtect(context.Process.Id, h, start, length, c.Mode) : BadUffd;
    }

    private CommandResult Wake(CommandContext context, WakeCommand c)
    {
        ulong start = Address(context, c.Address);
        ulong length = Size(c.Size);
        return Uffd(c.Uffd, out int h) ? backend.Wake(context.Process.Id, h, start, length) : BadUffd;
    }

    private CommandResult Read(CommandContext context, ReadCommand c)
    {
        context.ReadFrom = c.Uffd;
        return Uffd(c.Uffd, out int h) ? backend.Read(context.Process.Id, h) : BadUffd;
    }

    private CommandResult Check(CommandContext context, CheckCommand c)
    {
        ulong address = Address(context, c.Address);
        return backend.Check(context.Process.Id, address, Size(c.Size), c.Pattern);
    }

    private CommandResult GupSyscall(CommandContext context, GupSyscallCommand c)
    {
        ulong size = Size(c.Size);
        if (c.Kind is GupSyscallKind.DirectRead or GupSyscallKind.DirectWrite && size > GupSyscallProfile.DirectIoMaxBytes)
            throw new ScriptErrorException($"odirect moves at most {GupSyscallProfile.DirectIoMaxBytes >> 20}m (the host runner writes a file of that size), not {c.Size.Text}");
        return backend.GupSyscall(context.Process.Id, new GupSyscallRequest(c.Kind, Address(context, c.Address), size, c.Pattern));
    }

    /// <summary>A pagemap read shown as frames; an error or <c>unsupported</c> as it is.</summary>
    private static CommandResult Frames(CommandResult pagemap) =>
        pagemap.Kind == ResultKind.Pagemap ? CommandResult.FromFrames(pagemap.Pagemap!) : pagemap;

    private CommandResult Gup(CommandContext context, GupCommand c)
    {
        var request = new GupRequest(Address(context, c.Address), c.Pages, c.Write, c.Force, c.Pin, c.LongTerm, c.Fast, c.FastOnly, c.Dump);
        return backend.Gup(context.Process.Id, request);
    }
}
