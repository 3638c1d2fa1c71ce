/**
 * The Plugin SPI: what a plugin implements ({@link dev.interlock.api.plugin.Plugin},
 * {@link dev.interlock.api.plugin.PluginCommand}) and what the host gives it
 * ({@link dev.interlock.api.plugin.PluginContext}, {@link dev.interlock.api.plugin.PluginConfig}).
 * A plugin codes against this module only.
 */
package dev.interlock.api.plugin;
