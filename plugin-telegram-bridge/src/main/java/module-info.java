/**
 * The Telegram bridge plugin (seed 004): mirrors AI coding agent sessions into Telegram forum topics.
 *
 * <p>Exports nothing: the plugin is reached through the {@link dev.interlock.api.plugin.Plugin} service and its
 * commands ({@code interlock telegram-bridge daemon|hook}). The Bot API emulator
 * ({@code dev.interlock.plugin.telegram.emulator}) lives in main code so that tests and a demo can run it; it is not
 * exported and is opened to nobody.
 */
module dev.interlock.plugin.telegram {
    requires dev.interlock.api;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
    requires java.sql;
    requires jdk.httpserver;
    requires org.xerial.sqlitejdbc;
    requires info.picocli;

    opens dev.interlock.plugin.telegram.cli to info.picocli;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.plugin.telegram.TelegramBridgePlugin;
}
