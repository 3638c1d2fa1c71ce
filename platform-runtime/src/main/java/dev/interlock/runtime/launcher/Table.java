package dev.interlock.runtime.launcher;

import dev.interlock.runtime.PluginStatus;

import java.util.List;

/** The plugin table: ID, VERSION, STATE, SOURCE, REASON; the reason column is not padded. */
final class Table {

    private Table() {
    }

    static String of(List<PluginStatus> statuses) {
        String[] header = {"ID", "VERSION", "STATE", "SOURCE", "REASON"};
        int[] width = new int[4];
        for (int i = 0; i < 4; i++) {
            width[i] = header[i].length();
        }
        for (PluginStatus s : statuses) {
            String[] row = row(s);
            for (int i = 0; i < 4; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        for (PluginStatus s : statuses) {
            line(out, row(s), width);
        }
        return out.toString();
    }

    private static String[] row(PluginStatus s) {
        return new String[] {s.id(), s.version().isEmpty() ? "-" : s.version(), s.state().name(), s.source(),
                s.reason()};
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
