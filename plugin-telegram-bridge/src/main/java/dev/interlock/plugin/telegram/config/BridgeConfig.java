package dev.interlock.plugin.telegram.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The bridge's configuration. Every value has a documented key (the plugin configuration key and the command-line
 * option use the same name) and a default; see {@link #load}.
 *
 * @param token             the bot token ({@code token-file}, or the environment variable named by
 *                          {@code token-env}, default {@value #DEFAULT_TOKEN_ENV}); never logged
 * @param chatId            the forum supergroup ({@code chat-id}), e.g. {@code -1001234567890}
 * @param apiBaseUrl        the Bot API base URL ({@code api-base-url}, default {@value #DEFAULT_API})
 * @param socket            the Unix domain socket ({@code socket}); default
 *                          {@code $XDG_RUNTIME_DIR/interlock/telegram-bridge.sock}, or
 *                          {@code /tmp/interlock-$USER/telegram-bridge.sock} without XDG_RUNTIME_DIR
 * @param database          the SQLite file ({@code db}); default
 *                          {@code $XDG_DATA_HOME/interlock/telegram-bridge/bridge.db} (XDG_DATA_HOME defaults to
 *                          {@code ~/.local/share})
 * @param maxLineBytes      longest NDJSON line accepted on the socket ({@code max-line-bytes}, default 1 MiB)
 * @param maxConnections    concurrent socket connections ({@code max-connections}, default 64)
 * @param perChatPerMinute  messages per minute per chat the pacer allows ({@code per-chat-per-minute}, default 20)
 * @param perChatInterval   least time between two messages to one chat ({@code per-chat-interval}, default 1s)
 * @param globalPerSecond   messages per second over all chats ({@code global-per-second}, default 30)
 * @param callTimeout       timeout of each Bot API call ({@code call-timeout}, default 30s)
 * @param backoffBase       first retry delay after a 5xx or network error ({@code backoff-base}, default 1s;
 *                          doubles up to {@code backoff-max}, default 60s)
 * @param backoffMax        the largest retry delay
 * @param approvalTimeout   how long an approval waits for a tap ({@code approval-timeout}, default 5m), then the
 *                          agent asks in its terminal
 * @param longPoll          getUpdates long-poll time ({@code long-poll}, default 30s)
 * @param durableAgainstPowerLoss SQLite synchronous=FULL instead of NORMAL ({@code fsync}, default false)
 */
public record BridgeConfig(Secret token, long chatId, URI apiBaseUrl, Path socket, Path database,
                           int maxLineBytes, int maxConnections, int perChatPerMinute, Duration perChatInterval,
                           int globalPerSecond, Duration callTimeout, Duration backoffBase, Duration backoffMax,
                           Duration approvalTimeout, Duration longPoll, boolean durableAgainstPowerLoss) {

    /** The environment variable read for the token unless {@code token-env} names another. */
    public static final String DEFAULT_TOKEN_ENV = "TELEGRAM_BOT_TOKEN";
    /** Telegram's Bot API. */
    public static final String DEFAULT_API = "https://api.telegram.org";

    public BridgeConfig {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(apiBaseUrl, "apiBaseUrl");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(database, "database");
    }

    /** The socket path alone (what the hook needs), from the same keys and defaults as {@link #load}. */
    public static Path socketPath(Map<String, String> settings, Map<String, String> env) {
        String s = settings.get("socket");
        return s != null ? Path.of(s) : defaultSocket(env);
    }

    /**
     * Reads the configuration.
     *
     * @param settings plugin configuration merged with command-line options (options win)
     * @param env      the process environment
     * @throws IllegalArgumentException listing every problem, each with the key, the value and the fix; never
     *                                  containing the token
     */
    public static BridgeConfig load(Map<String, String> settings, Map<String, String> env) {
        List<String> errors = new ArrayList<>();
        Secret token = readToken(settings, env, errors);
        long chatId = 0;
        String chat = settings.get("chat-id");
        if (chat == null) {
            errors.add("chat-id is not set. Fix: set chat-id to the forum supergroup's id, e.g. -1001234567890");
        } else {
            try {
                chatId = Long.parseLong(chat.trim());
            } catch (NumberFormatException e) {
                errors.add("chat-id '" + chat + "' is not a number. Fix: use the numeric id, e.g. -1001234567890");
            }
        }
        URI api = URI.create(DEFAULT_API);
        String apiText = settings.get("api-base-url");
        if (apiText != null) {
            try {
                api = URI.create(apiText);
                if (!"http".equals(api.getScheme()) && !"https".equals(api.getScheme()) || api.getHost() == null) {
                    errors.add("api-base-url '" + apiText + "' is not an http(s) URL. Fix: e.g. " + DEFAULT_API);
                }
            } catch (IllegalArgumentException e) {
                errors.add("api-base-url '" + apiText + "' is not a URL. Fix: e.g. " + DEFAULT_API);
            }
        }
        Path socket = socketPath(settings, env);
        String db = settings.get("db");
        Path database = db != null ? Path.of(db) : defaultDatabase(env);
        int maxLine = integer(settings, "max-line-bytes", 1 << 20, 1024, 64 << 20, errors);
        int maxConn = integer(settings, "max-connections", 64, 1, 10_000, errors);
        int perMinute = integer(settings, "per-chat-per-minute", 20, 1, 1_000_000, errors);
        Duration interval = duration(settings, "per-chat-interval", Duration.ofSeconds(1), errors);
        int global = integer(settings, "global-per-second", 30, 1, 1_000_000, errors);
        Duration call = duration(settings, "call-timeout", Duration.ofSeconds(30), errors);
        Duration backoff = duration(settings, "backoff-base", Duration.ofSeconds(1), errors);
        Duration backoffMax = duration(settings, "backoff-max", Duration.ofSeconds(60), errors);
        Duration approval = duration(settings, "approval-timeout", Duration.ofMinutes(5), errors);
        Duration poll = duration(settings, "long-poll", Duration.ofSeconds(30), errors);
        boolean fsync = Boolean.parseBoolean(settings.getOrDefault("fsync", "false"));
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("telegram-bridge configuration: " + String.join("; ", errors));
        }
        return new BridgeConfig(token, chatId, api, socket, database, maxLine, maxConn, perMinute, interval, global,
                call, backoff, backoffMax, approval, poll, fsync);
    }

    private static Secret readToken(Map<String, String> settings, Map<String, String> env, List<String> errors) {
        String file = settings.get("token-file");
        if (file != null) {
            Path path = Path.of(file);
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
                Set<PosixFilePermission> loose = EnumSet.copyOf(perms);
                loose.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                if (!loose.isEmpty()) {
                    errors.add("token-file " + path + " is readable by others (mode "
                            + java.nio.file.attribute.PosixFilePermissions.toString(perms)
                            + "). Fix: chmod 600 " + path);
                    return new Secret("");
                }
                String t = Files.readString(path, StandardCharsets.UTF_8).strip();
                if (t.isEmpty()) {
                    errors.add("token-file " + path + " is empty. Fix: put the bot token from @BotFather in it");
                }
                return new Secret(t);
            } catch (IOException e) {
                errors.add("token-file " + path + " cannot be read (" + e.getClass().getSimpleName()
                        + "). Fix: create it with mode 600 and the bot token inside");
                return new Secret("");
            }
        }
        String var = settings.getOrDefault("token-env", DEFAULT_TOKEN_ENV);
        String t = env.get(var);
        if (t == null || t.isBlank()) {
            errors.add("no bot token: environment variable " + var + " is not set and token-file is not given."
                    + " Fix: export " + var + "=<token from @BotFather>, or set token-file to a 0600 file");
            return new Secret("");
        }
        return new Secret(t.strip());
    }

    private static Path defaultSocket(Map<String, String> env) {
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank()) {
            return Path.of(runtime, "interlock", "telegram-bridge.sock");
        }
        String user = env.getOrDefault("USER", "user");
        return Path.of(System.getProperty("java.io.tmpdir"), "interlock-" + user, "telegram-bridge.sock");
    }

    private static Path defaultDatabase(Map<String, String> env) {
        String data = env.get("XDG_DATA_HOME");
        Path base = data != null && !data.isBlank() ? Path.of(data)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share");
        return base.resolve(Path.of("interlock", "telegram-bridge", "bridge.db"));
    }

    private static int integer(Map<String, String> s, String key, int def, int min, int max, List<String> errors) {
        String v = s.get(key);
        if (v == null) {
            return def;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                errors.add(key + " " + i + " is out of range. Fix: use a value in [" + min + ", " + max + "]");
            }
            return i;
        } catch (NumberFormatException e) {
            errors.add(key + " '" + v + "' is not an integer. Fix: e.g. " + def);
            return def;
        }
    }

    /** Parses ISO-8601 ({@code PT5S}) or a number with a unit ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}). */
    public static Duration parseDuration(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("pt") || v.startsWith("p")) {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new NumberFormatException(text);
        };
    }

    private static Duration duration(Map<String, String> s, String key, Duration def, List<String> errors) {
        String v = s.get(key);
        if (v == null) {
            return def;
        }
        try {
            Duration d = parseDuration(v);
            if (d.isNegative()) {
                errors.add(key + " '" + v + "' is negative. Fix: use a positive duration such as 5s");
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            errors.add(key + " '" + v + "' is not a duration. Fix: use e.g. 500ms, 5s, 2m or PT5S");
            return def;
        }
    }
}
