package dev.interlock.api.plugin;

import java.util.Objects;

/**
 * A platform API version {@code major.minor}. Minor versions add API compatibly; a new major version may remove it.
 *
 * @param major the major version
 * @param minor the minor version
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    /** The version of the platform API this build provides. */
    public static final ApiVersion CURRENT = new ApiVersion(1, 0);

    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("version parts must not be negative: " + major + "." + minor);
        }
    }

    /** Parses {@code "1"}, {@code "1.0"}. */
    public static ApiVersion parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] parts = text.trim().split("\\.", -1);
        try {
            if (parts.length == 1) {
                return new ApiVersion(Integer.parseInt(parts[0]), 0);
            }
            if (parts.length == 2) {
                return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("not an API version: '" + text + "'; expected MAJOR or MAJOR.MINOR, e.g. 1.0");
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
