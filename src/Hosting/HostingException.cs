namespace Pluggable.Hosting;

/// <summary>
/// A start-up problem the user can fix (an unknown architecture, a bad option, a missing plugin
/// directory). Its message is complete and meant to be printed as is; the CLI prints it without a
/// stack trace and exits 2.
/// </summary>
public sealed class HostingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Thrown by an <see cref="IPluginLoader"/> when a plugin assembly cannot be loaded or instantiated;
/// <see cref="PluginCatalog"/> turns it into a <see cref="PluginFailure"/> naming the plugin.
/// </summary>
public sealed class PluginLoadException(string message, Exception? inner = null) : Exception(message, inner);
