package dev.interlock.plugin.telegram;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A System.Logger that keeps every record (and echoes it to stderr) so tests can assert on logged reasons. */
public final class CapturingLogger implements System.Logger {

    public record Entry(Level level, String message) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public List<String> messages(Level level) {
        return entries.stream().filter(e -> e.level() == level).map(Entry::message).toList();
    }

    public String all() {
        StringBuilder b = new StringBuilder();
        entries.forEach(e -> b.append(e.level()).append(' ').append(e.message()).append('\n'));
        return b.toString();
    }

    @Override
    public String getName() {
        return "capturing";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        String m = thrown == null ? msg : msg + " | " + thrown;
        entries.add(new Entry(level, m));
        if (level.getSeverity() >= Level.INFO.getSeverity()) {
            System.err.println("[" + level + "] " + m);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        log(level, bundle, params == null || params.length == 0 ? format
                : java.text.MessageFormat.format(format, params), (Throwable) null);
    }

    @Override
    public void log(Level level, Supplier<String> msgSupplier) {
        log(level, null, msgSupplier.get(), (Throwable) null);
    }
}
