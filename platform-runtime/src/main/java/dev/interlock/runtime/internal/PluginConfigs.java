package dev.interlock.runtime.internal;

import dev.interlock.api.plugin.PluginConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plugin configuration: {@code <configDir>/<id>.properties} (Java properties, UTF-8, at most
 * {@link #MAX_CONFIG_BYTES}), overlaid with the host builder's overrides.
 *
 * <p>Values of keys that look secret (containing {@code password}, {@code secret}, {@code token}, {@code key} or
 * {@code credential}) never appear in error messages. A config file readable by group or others is accepted, with a
 * warning in the log, because it may hold such secrets.
 */
final class PluginConfigs {

    /** The largest configuration file accepted, in bytes. */
    static final int MAX_CONFIG_BYTES = 1 << 20;

    private static final System.Logger LOG = System.getLogger(PluginConfigs.class.getName());
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|key|credential).*");
    private static final Pattern WITH_UNIT = Pattern.compile("(\\d{1,18})\\s*(ms|s|m|h|d)");

    private PluginConfigs() {
    }

    /**
     * Loads the configuration of plugin {@code id}.
     *
     * @throws IllegalArgumentException with the host's reason (file, problem, fix) if the file cannot be used
     */
    static PluginConfig load(String id, Path configDirectory, Map<String, String> overrides) {
        Map<String, String> values = new TreeMap<>();
        if (configDirectory != null) {
            Path file = configDirectory.resolve(id + ".properties");
            if (Files.exists(file)) {
                values.putAll(read(id, file));
            }
        }
        values.putAll(overrides);
        return new PropertiesConfig(id, values);
    }

    private static Map<String, String> read(String id, Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(Messages.config(id, file, "it is not a regular file"));
            }
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new IllegalArgumentException(Messages.config(id, file, "it has " + size + " bytes"));
            }
            warnIfShared(file);
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file);
                 Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                         .onMalformedInput(CodingErrorAction.REPORT)
                         .onUnmappableCharacter(CodingErrorAction.REPORT))) {
                properties.load(reader);
            }
            Map<String, String> values = new TreeMap<>();
            for (String key : properties.stringPropertyNames()) {
                values.put(key, properties.getProperty(key));
            }
            return values;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(Messages.config(id, file, "it is not valid UTF-8"), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(Messages.config(id, file, Messages.describe(e)), e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("plugin '")) {
                throw e;
            }
            // Properties.load: a malformed \\uXXXX escape.
            throw new IllegalArgumentException(Messages.config(id, file, Messages.describe(e)), e);
        }
    }

    private static void warnIfShared(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.log(System.Logger.Level.WARNING, "{0} is readable by other users; if it holds secrets, make it"
                        + " owner-only: chmod 600 {0}", file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
    }

    static boolean isSecretKey(String key) {
        return SECRET.matcher(key).matches();
    }

    /** Parses {@code PT5S}, {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}; null if malformed. */
    static Duration parseDuration(String text) {
        String s = text.strip();
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = WITH_UNIT.matcher(s);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        try {
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /** An immutable configuration. */
    static final class PropertiesConfig implements PluginConfig {
        private final String pluginId;
        private final Map<String, String> values;

        PropertiesConfig(String pluginId, Map<String, String> values) {
            this.pluginId = pluginId;
            this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public int getInt(String key, int defaultValue) {
            String v = values.get(key);
            if (v == null) {
                return defaultValue;
            }
            try {
                return Integer.parseInt(v.strip());
            } catch (NumberFormatException e) {
                throw bad(key, v, "an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
            }
        }

        @Override
        public Duration getDuration(String key, Duration defaultValue) {
            String v = values.get(key);
            if (v == null) {
                return defaultValue;
            }
            Duration d = parseDuration(v);
            if (d == null || d.isNegative()) {
                throw bad(key, v, "a non-negative duration such as PT5S, 500ms, 5s, 2m, 1h or 1d");
            }
            return d;
        }

        @Override
        public boolean getBoolean(String key, boolean defaultValue) {
            String v = values.get(key);
            if (v == null) {
                return defaultValue;
            }
            return switch (v.strip().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(key, v, "true or false");
            };
        }

        @Override
        public Set<String> keys() {
            return values.keySet();
        }

        @Override
        public Map<String, String> asMap() {
            return values;
        }

        private IllegalArgumentException bad(String key, String value, String expected) {
            String shown = isSecretKey(key) ? "(value hidden: the key looks secret)" : "'" + value + "'";
            return new IllegalArgumentException("plugin '" + pluginId + "': config key '" + key + "' has value " + shown
                    + "; expected " + expected + ". Fix: correct it in " + pluginId + ".properties.");
        }

        @Override
        public String toString() {
            return "PluginConfig[" + pluginId + ", keys=" + values.keySet() + "]";
        }
    }
}
