/**
 * The plugin host: {@link dev.interlock.runtime.PluginHost} finds plugins on the module path and in a plugins
 * directory (one module layer per plugin folder), checks them, gives each a Guice child injector, and drives their
 * lifecycle; {@link dev.interlock.runtime.PluginStatus} reports each plugin's {@link dev.interlock.runtime.PluginState}
 * and, when it failed, why.
 */
package dev.interlock.runtime;
