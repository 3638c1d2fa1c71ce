package dev.interlock.api.plugin;

import java.util.Objects;

/**
 * A range of {@link ApiVersion}s in Maven notation: {@code [1.0,2.0)} (inclusive/exclusive bounds), {@code [1.0,)}
 * (no upper bound), or a bare version {@code 1.0} meaning "this version or any later minor of the same major".
 *
 * @param lower          the lower bound, or {@code null} for none
 * @param lowerInclusive whether {@code lower} itself is in the range
 * @param upper          the upper bound, or {@code null} for none
 * @param upperInclusive whether {@code upper} itself is in the range
 */
public record VersionRange(ApiVersion lower, boolean lowerInclusive, ApiVersion upper, boolean upperInclusive) {

    /** Parses a range; throws {@link IllegalArgumentException} with the expected syntax if it is malformed. */
    public static VersionRange parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        if (s.isEmpty()) {
            throw malformed(text);
        }
        char first = s.charAt(0);
        if (first != '[' && first != '(') {
            ApiVersion v = ApiVersion.parse(s);
            return new VersionRange(v, true, new ApiVersion(v.major() + 1, 0), false);
        }
        char last = s.charAt(s.length() - 1);
        if ((last != ']' && last != ')') || s.length() < 3) {
            throw malformed(text);
        }
        String body = s.substring(1, s.length() - 1);
        int comma = body.indexOf(',');
        if (comma < 0) {
            if (first != '[' || last != ']') {
                throw malformed(text);
            }
            ApiVersion exact = ApiVersion.parse(body);
            return new VersionRange(exact, true, exact, true);
        }
        String lo = body.substring(0, comma).trim();
        String hi = body.substring(comma + 1).trim();
        try {
            return new VersionRange(lo.isEmpty() ? null : ApiVersion.parse(lo), first == '[',
                    hi.isEmpty() ? null : ApiVersion.parse(hi), last == ']');
        } catch (IllegalArgumentException e) {
            throw malformed(text);
        }
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("not a version range: '" + text
                + "'; expected e.g. [1.0,2.0), [1.0,) or 1.0");
    }

    /** Whether {@code v} is in this range. */
    public boolean contains(ApiVersion v) {
        Objects.requireNonNull(v, "v");
        if (lower != null) {
            int c = v.compareTo(lower);
            if (c < 0 || (c == 0 && !lowerInclusive)) {
                return false;
            }
        }
        if (upper != null) {
            int c = v.compareTo(upper);
            if (c > 0 || (c == 0 && !upperInclusive)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (lowerInclusive ? "[" : "(") + (lower == null ? "" : lower) + ","
                + (upper == null ? "" : upper) + (upperInclusive ? "]" : ")");
    }
}
