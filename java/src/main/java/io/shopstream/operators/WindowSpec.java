package io.shopstream.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A list of window lengths written as {@code '1h,24h,7d,30d'}: each a positive number and a unit
 * ({@code m} minutes, {@code h} hours, {@code d} days). The text of each entry names its output columns
 * ({@code <measure>_<entry>}), so entries must be distinct.
 */
public final class WindowSpec {

    private static final Pattern ENTRY = Pattern.compile("([1-9][0-9]*)([mhd])");

    private final String text;
    private final String[] names;
    private final long[] lengthsMs;

    private WindowSpec(String text, String[] names, long[] lengthsMs) {
        this.text = text;
        this.names = names;
        this.lengthsMs = lengthsMs;
    }

    /** Parses {@code text}; every length must be a multiple of {@code tileMs}. */
    public static WindowSpec parse(String text, long tileMs) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("windows must list at least one window, e.g. '1h,24h,7d,30d'");
        }
        List<String> names = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        for (String raw : text.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "window '" + raw.trim() + "' in '" + text + "' is not a number followed by m, h or d (e.g. 24h)");
            }
            long unit = switch (m.group(2)) {
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            long length = Long.parseLong(m.group(1)) * unit;
            if (length % tileMs != 0) {
                throw new IllegalArgumentException(
                        "window '" + entry + "' is not a whole number of " + tileMs + " ms tiles");
            }
            if (names.contains(entry)) {
                throw new IllegalArgumentException("window '" + entry + "' is listed twice in '" + text + "'");
            }
            names.add(entry);
            lengths.add(length);
        }
        return new WindowSpec(text, names.toArray(new String[0]), lengths.stream().mapToLong(Long::longValue).toArray());
    }

    public String text() {
        return text;
    }

    public int size() {
        return names.length;
    }

    public String name(int i) {
        return names[i];
    }

    public long[] lengthsMs() {
        return lengthsMs.clone();
    }
}
