package dev.interlock.runtime.launcher;

import dev.interlock.api.plugin.DemoResult;
import dev.interlock.runtime.DemoReport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table {@code interlock demo} ends with: PLUGIN, RESULT, TIME, RAN, CHECKED. RAN is what the scenario reports it
 * ran, or its description if it did not return (cut at {@value #MAX_RAN} characters). CHECKED (not padded) holds one
 * invariant per line ({@code name: observed}, a violated one marked {@code (VIOLATED)}), or the reason of an ERROR or a
 * plugin that FAILED to load; the other cells of continuation lines are blank.
 */
final class DemoTable {

    /** The widest RAN cell, in characters; longer ones are cut and end with "...". */
    static final int MAX_RAN = 90;

    /** The mark after a violated invariant. */
    static final String VIOLATED = "(VIOLATED)";

    private DemoTable() {
    }

    static String of(List<DemoReport> reports) {
        String[] header = {"PLUGIN", "RESULT", "TIME", "RAN", "CHECKED"};
        List<String[]> rows = new ArrayList<>();
        for (DemoReport r : reports) {
            List<String> checked = checked(r);
            for (int i = 0; i < Math.max(1, checked.size()); i++) {
                String last = checked.isEmpty() ? "" : checked.get(i);
                rows.add(i == 0 ? new String[] {r.pluginId(), result(r.outcome()), time(r), ran(r), last}
                        : new String[] {"", "", "", "", last});
            }
        }
        int[] width = new int[4];
        for (int i = 0; i < 4; i++) {
            width[i] = header[i].length();
            for (String[] row : rows) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        rows.forEach(row -> line(out, row, width));
        return out.toString();
    }

    static String result(DemoReport.Outcome outcome) {
        return switch (outcome) {
            case PASS -> "PASS";
            case FAIL -> "FAIL";
            case ERROR -> "ERROR";
            case NO_DEMO -> "no demo";
            case FAILED_TO_LOAD -> "FAILED";
        };
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }

    private static String time(DemoReport r) {
        return r.outcome() == DemoReport.Outcome.NO_DEMO || r.outcome() == DemoReport.Outcome.FAILED_TO_LOAD ? "-"
                : seconds(r.elapsed());
    }

    private static String ran(DemoReport r) {
        String ran = !r.ran().isEmpty() ? r.ran() : r.description().isEmpty() ? "-" : r.description();
        return ran.length() <= MAX_RAN ? ran : ran.substring(0, MAX_RAN - 3) + "...";
    }

    private static List<String> checked(DemoReport r) {
        return switch (r.outcome()) {
            case PASS, FAIL -> r.invariants().stream().map(DemoTable::invariant).toList();
            case ERROR -> List.of(r.reason());
            case FAILED_TO_LOAD -> List.of("plugin FAILED to load: " + r.reason());
            case NO_DEMO -> List.of();
        };
    }

    private static String invariant(DemoResult.Invariant i) {
        return i.name() + ": " + i.observed() + (i.holds() ? "" : "  " + VIOLATED);
    }

    private static void line(StringBuilder out, String[] cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            line.append(cells[i]).append(" ".repeat(width[i] - cells[i].length() + 2));
        }
        line.append(cells[4]);
        out.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
}
