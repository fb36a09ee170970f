package io.shopstream.operators;

import org.apache.flink.metrics.Counter;
import org.apache.flink.table.annotation.ArgumentHint;
import org.apache.flink.table.annotation.ArgumentTrait;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.StateHint;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.dataview.MapView;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ProcessTableFunction;
import org.apache.flink.table.functions.TableSemantics;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Rolling sums of a keyed stream over several event-time windows, kept as one-minute tiles.
 *
 * <pre>
 * select * from rolling_tiles(
 *     input   => table t partition by k,
 *     on_time => descriptor(rt),
 *     windows => '1h,24h,7d,30d'
 *     [, emit => 'on_change' | 'on_activity']
 *     [, until_ms => 1790172840000])
 * </pre>
 *
 * <p>Every integer column of {@code t} that is not a partition key is a measure. Per key, the function
 * adds each row's measures to the tile of its minute; when the watermark closes a minute the tile is
 * added to a running sum per window, and when a tile slides out of a window (its start falls before
 * {@code as_of - window}) it is subtracted again. At each minute end {@code as_of} where a window of the
 * key changed (a tile closed, or one slid out) it emits one row: the partition keys, {@code as_of_ms},
 * then {@code <measure>_<window>} for each measure and window (sums over the tiles in
 * {@code [as_of - window, as_of)}), and {@code rowtime = as_of - 1 ms}. So a key's values are right as of
 * the watermark even when the key did nothing; its last row has every sum at 0, and then its state is
 * gone. Work per row is constant; per tile it is one map write and, per window, one read when it expires.
 *
 * <p>With {@code emit => 'on_activity'} it emits only at the end of minutes with activity, the rows a
 * RANGE OVER window would give: tiles leave the windows when the next tile closes, and one named timer
 * per key (the end of the longest window after its newest tile) clears the state of a key gone idle.
 * One timer firing per tile instead of one per tile and window.
 *
 * <p>{@code until_ms} is where event time stops for this run: no row is emitted as of a later minute end,
 * and the tiles are left as they are then. A bounded run passes the end of its input (the end of the
 * minute of its newest event time), so that the end of input (a watermark at +infinity) does not slide
 * every tile out of every window; an unbounded run leaves it out (no end).
 *
 * <p>Rows behind the watermark (whose minute has already closed) are not counted; the metric
 * {@code late_rows} counts them. Upstream lateness rules are expected to have routed them elsewhere.
 */
@DataTypeHint("ROW<as_of_ms BIGINT NOT NULL>") // the fixed leading column; getTypeInference adds the others
public class RollingTiles extends ProcessTableFunction<Row> {

    private static final long serialVersionUID = 1L;

    /** Length of a tile. */
    public static final long TILE_MS = 60_000L;
    /** Name of the table argument (the input of {@code Context#tableSemanticsFor}). */
    public static final String INPUT = "input";

    private static final long NONE = Long.MAX_VALUE;
    /** {@code emit => 'on_change'} (the default): a row at every minute end where a window of the key changed. */
    public static final String ON_CHANGE = "on_change";
    /**
     * {@code emit => 'on_activity'}: a row only at the end of a minute with activity, right as of that
     * minute (as RANGE OVER windows are); tiles leave the windows when the next tile closes.
     */
    public static final String ON_ACTIVITY = "on_activity";
    /** The one timer of an idle key in {@code on_activity} mode: when its state can go. */
    private static final String CLEANUP = "cleanup";
    /** Key of the summary in the tiles map; closed tiles have keys 0, 1, 2, ... */
    private static final long SUMMARY = -1L;
    /**
     * No TTL on the state: a key's state ends when its last tile leaves the longest window. (Without a
     * ttl a PTF state entry gets Long.MAX_VALUE, i.e. TTL wrappers whose incremental cleanup walks
     * state entries on every access: 231 -> 50 CPU µs per row with it off, bench/rolling_tiles.py.)
     */
    private static final String NO_TTL = "0";

    private transient int[] measurePositions;
    private transient WindowSpec windows;
    private transient Counter lateRows;

    @Override
    public void open(FunctionContext context) throws Exception {
        lateRows = context.getMetricGroup().counter("late_rows");
    }

    /**
     * One map per key holds everything: the {@link Summary} under key {@code -1}, and each closed tile
     * under its sequence number as {@code [start, measure...]}, written once when it closes and read
     * once per window when it slides out. (One map rather than a value state for the summary: the
     * framework converts, hashes and compares a value state on every call, which cost more than the
     * function's own work.)
     */
    public void eval(
            Context ctx,
            @StateHint(name = "tiles", ttl = NO_TTL) MapView<Long, long[]> tiles,
            @ArgumentHint(value = {ArgumentTrait.SET_SEMANTIC_TABLE, ArgumentTrait.REQUIRE_ON_TIME}, name = INPUT)
                    Row input,
            @ArgumentHint(name = "windows") String windowsText,
            @ArgumentHint(name = "emit", isOptional = true) String emit,
            @ArgumentHint(name = "until_ms", isOptional = true) Long untilMs) throws Exception {
        int[] measures = measurePositions(ctx);
        TimeContext<Long> time = ctx.timeContext(Long.class);
        long tileStart = Math.floorDiv(time.time(), TILE_MS) * TILE_MS;
        Long watermark = time.currentWatermark();
        if (watermark != null && tileStart + TILE_MS - 1 <= watermark) {
            lateRows.inc();
            return;
        }
        long[] stored = tiles.get(SUMMARY);
        Summary summary = stored == null
                ? Summary.empty(windowSpec(windowsText).lengthsMs(), measures.length, onActivity(emit))
                : new Summary(stored);
        summary.setUntil(untilMs == null ? Long.MAX_VALUE : untilMs);
        int slot = summary.openSlot(tileStart);
        if (slot < 0) {
            slot = summary.addOpen(-slot - 1, tileStart);
            time.registerOnTime(tileStart + TILE_MS - 1);
        }
        for (int i = 0; i < measures.length; i++) {
            Object value = input.getField(measures[i]);
            if (value != null) {
                summary.addOpenCount(slot, i, ((Number) value).longValue());
            }
        }
        tiles.put(SUMMARY, summary.data);
    }

    public void onTimer(OnTimerContext ctx, MapView<Long, long[]> tiles) throws Exception {
        long[] stored = tiles.get(SUMMARY);
        if (stored == null) {
            return;
        }
        Summary summary = new Summary(stored);
        TimeContext<Long> time = ctx.timeContext(Long.class);
        long asOf = time.time() + 1;
        if (asOf > summary.until()) {
            return; // event time of this run ends before this minute: the tiles stay as they are then
        }
        int w = summary.windows();
        long[] oldestBefore = new long[w];
        for (int j = 0; j < w; j++) {
            oldestBefore[j] = summary.cursorStart(j);
        }
        long newestClosed = closeTiles(summary, tiles, asOf);
        boolean closed = newestClosed != NONE;
        boolean expired = expireTiles(summary, tiles, asOf);
        if (summary.onActivity() ? closed : closed || expired) {
            emit(summary, asOf);
        }
        boolean holding = summary.openCount() > 0;
        for (int j = 0; j < w; j++) {
            holding |= summary.cursorStart(j) != NONE;
        }
        if (!holding) {
            // Every window is empty and no tile is open: the key leaves no state behind. No timer of the key
            // is pending either (each fired as its window moved), so only the state is cleared. Not
            // clearAll()/clearAllTimers(): in Flink 2.3 they walk the unnamed timers of *every* key of the
            // subtask (forEachEventTimeTimer sets each timer's key as the current key) and then delete those
            // timestamps for whichever key is current last, i.e. they drop other keys' timers.
            ctx.clearAllState();
            return;
        }
        if (summary.onActivity()) {
            if (closed) {
                // one pending timer whatever the activity: the end of the longest window after the newest tile
                time.registerOnTime(CLEANUP, newestClosed + summary.longestWindowMs() + TILE_MS - 1);
            }
        } else {
            for (int j = 0; j < w; j++) {
                long oldest = summary.cursorStart(j);
                if (oldest != NONE && oldest != oldestBefore[j]) {
                    // the minute at whose end this window's (new) oldest tile is out
                    time.registerOnTime(oldest + summary.windowMs(j) + TILE_MS - 1);
                }
            }
        }
        tiles.put(SUMMARY, summary.data);
    }

    private void emit(Summary summary, long asOf) {
        int n = summary.measures() * summary.windows();
        Object[] fields = new Object[1 + n];
        fields[0] = asOf;
        for (int i = 0; i < n; i++) {
            fields[1 + i] = summary.sum(i);
        }
        collect(Row.of(fields));
    }

    static boolean onActivity(String emit) {
        if (emit == null || emit.equals(ON_CHANGE)) {
            return false;
        }
        if (emit.equals(ON_ACTIVITY)) {
            return true;
        }
        throw new IllegalArgumentException("emit must be '" + ON_CHANGE + "' or '" + ON_ACTIVITY + "', not '" + emit + "'");
    }

    // -- tiles --------------------------------------------------------------------------------------

    /**
     * Moves the open tiles that ended by {@code asOf} into the map and into every window's sums; returns
     * the start of the newest one moved, or {@code Long.MAX_VALUE} if none.
     */
    private static long closeTiles(Summary summary, MapView<Long, long[]> tiles, long asOf) throws Exception {
        int m = summary.measures();
        int w = summary.windows();
        int closing = 0;
        while (closing < summary.openCount() && summary.openStart(closing) + TILE_MS <= asOf) {
            long tileStart = summary.openStart(closing);
            long seq = summary.takeSeq();
            long[] tile = new long[1 + m];
            tile[0] = tileStart;
            for (int i = 0; i < m; i++) {
                tile[1 + i] = summary.openCountOf(closing, i);
                for (int j = 0; j < w; j++) {
                    summary.addSum(i, j, tile[1 + i]);
                }
            }
            tiles.put(seq, tile);
            for (int j = 0; j < w; j++) {
                if (summary.cursorStart(j) == NONE) {
                    summary.setCursor(j, seq, tileStart);
                }
            }
            closing++;
        }
        if (closing == 0) {
            return NONE;
        }
        long newest = summary.openStart(closing - 1);
        summary.dropOpen(closing);
        return newest;
    }

    /** Subtracts every tile that starts before {@code asOf - window} from that window's sums. */
    private static boolean expireTiles(Summary summary, MapView<Long, long[]> tiles, long asOf) throws Exception {
        int m = summary.measures();
        int w = summary.windows();
        boolean changed = false;
        for (int j = 0; j < w; j++) {
            long from = asOf - summary.windowMs(j);
            long[] tile = null;
            while (summary.cursorStart(j) < from) {
                if (tile == null) {
                    tile = tiles.get(summary.cursor(j));
                }
                for (int i = 0; i < m; i++) {
                    summary.addSum(i, j, -tile[1 + i]);
                }
                long next = summary.cursor(j) + 1;
                tile = next < summary.nextSeq() ? tiles.get(next) : null;
                summary.setCursor(j, next, tile == null ? NONE : tile[0]);
                changed = true;
            }
        }
        long keepFrom = summary.nextSeq();
        for (int j = 0; j < w; j++) {
            if (summary.cursorStart(j) != NONE) {
                keepFrom = Math.min(keepFrom, summary.cursor(j));
            }
        }
        while (summary.oldestSeq() < keepFrom) {
            tiles.remove(summary.takeOldestSeq());
        }
        return changed;
    }

    /**
     * A key's summary as one {@code long[]}: window lengths (kept for timers, which get no call
     * arguments), the running sum of each measure and window, each window's oldest tile (sequence number
     * and start, {@code Long.MAX_VALUE} when the window holds none), sequence counters, and the tiles
     * whose minute has not closed yet (usually one) with their counts.
     *
     * <pre>
     * [W, M, nextSeq, oldestSeq, open, mode, windowMs[W], sums[M*W], cursor[W], cursorStart[W],
     *  openStart[open], openCounts[open*M]]
     * </pre>
     */
    static final class Summary {
        private static final int HEADER = 7;
        private static final int OPEN = 4;
        private static final int MODE = 5;
        private static final int UNTIL = 6;
        long[] data;

        Summary(long[] data) {
            this.data = data;
        }

        static Summary empty(long[] windowMs, int measures, boolean onActivity) {
            int w = windowMs.length;
            long[] data = new long[HEADER + w + measures * w + 2 * w];
            data[0] = w;
            data[1] = measures;
            data[MODE] = onActivity ? 1 : 0;
            data[UNTIL] = Long.MAX_VALUE;
            System.arraycopy(windowMs, 0, data, HEADER, w);
            Summary s = new Summary(data);
            for (int j = 0; j < w; j++) {
                data[s.cursorStartAt(j)] = NONE;
            }
            return s;
        }

        int windows() {
            return (int) data[0];
        }

        int measures() {
            return (int) data[1];
        }

        long nextSeq() {
            return data[2];
        }

        long takeSeq() {
            return data[2]++;
        }

        long oldestSeq() {
            return data[3];
        }

        long takeOldestSeq() {
            return data[3]++;
        }

        /** The call's {@code until_ms}: no row as of a later minute end. */
        long until() {
            return data[UNTIL];
        }

        void setUntil(long untilMs) {
            data[UNTIL] = untilMs;
        }

        /** Rows only at the end of active minutes ({@code emit => 'on_activity'}). */
        boolean onActivity() {
            return data[MODE] == 1;
        }

        long longestWindowMs() {
            long longest = 0;
            for (int j = 0; j < windows(); j++) {
                longest = Math.max(longest, windowMs(j));
            }
            return longest;
        }

        int openCount() {
            return (int) data[OPEN];
        }

        long windowMs(int j) {
            return data[HEADER + j];
        }

        private int sumsAt() {
            return HEADER + windows();
        }

        long sum(int index) {
            return data[sumsAt() + index];
        }

        void addSum(int measure, int window, long delta) {
            data[sumsAt() + measure * windows() + window] += delta;
        }

        private int cursorAt(int j) {
            return sumsAt() + measures() * windows() + j;
        }

        private int cursorStartAt(int j) {
            return cursorAt(windows()) + j;
        }

        long cursor(int j) {
            return data[cursorAt(j)];
        }

        long cursorStart(int j) {
            return data[cursorStartAt(j)];
        }

        void setCursor(int j, long seq, long start) {
            data[cursorAt(j)] = seq;
            data[cursorStartAt(j)] = start;
        }

        private int openStartsAt() {
            return cursorStartAt(windows());
        }

        private int openCountsAt() {
            return openStartsAt() + openCount();
        }

        long openStart(int slot) {
            return data[openStartsAt() + slot];
        }

        long openCountOf(int slot, int measure) {
            return data[openCountsAt() + slot * measures() + measure];
        }

        void addOpenCount(int slot, int measure, long delta) {
            data[openCountsAt() + slot * measures() + measure] += delta;
        }

        /** Slot of the open tile starting at {@code tileStart}, or {@code -(slot + 1)} where it would go. */
        int openSlot(long tileStart) {
            int n = openCount();
            int at = 0;
            while (at < n && openStart(at) < tileStart) {
                at++;
            }
            return at < n && openStart(at) == tileStart ? at : -(at + 1);
        }

        /** Inserts an empty open tile at {@code slot} (keeping starts ascending); returns the slot. */
        int addOpen(int slot, long tileStart) {
            int n = openCount();
            int m = measures();
            int starts = openStartsAt();
            long[] grown = new long[data.length + 1 + m];
            System.arraycopy(data, 0, grown, 0, starts + slot);
            grown[starts + slot] = tileStart;
            System.arraycopy(data, starts + slot, grown, starts + slot + 1, n - slot + slot * m);
            System.arraycopy(data, starts + n + slot * m, grown, starts + n + 1 + (slot + 1) * m, (n - slot) * m);
            grown[OPEN] = n + 1;
            data = grown;
            return slot;
        }

        /** Removes the first {@code count} open tiles. */
        void dropOpen(int count) {
            int n = openCount();
            int m = measures();
            int starts = openStartsAt();
            long[] shrunk = new long[data.length - count * (1 + m)];
            System.arraycopy(data, 0, shrunk, 0, starts);
            System.arraycopy(data, starts + count, shrunk, starts, n - count);
            System.arraycopy(data, starts + n + count * m, shrunk, starts + n - count, (n - count) * m);
            shrunk[OPEN] = n - count;
            data = shrunk;
        }
    }

    // -- the call's shape ---------------------------------------------------------------------------

    private int[] measurePositions(Context ctx) {
        if (measurePositions == null) {
            TableSemantics semantics = ctx.tableSemanticsFor(INPUT);
            measurePositions = measurePositions(semantics.dataType(), semantics.partitionByColumns());
        }
        return measurePositions;
    }

    private WindowSpec windowSpec(String text) {
        if (windows == null || !windows.text().equals(text)) {
            windows = WindowSpec.parse(text, TILE_MS);
        }
        return windows;
    }

    /** Positions of the measures: the integer columns that are not partition keys. */
    static int[] measurePositions(DataType rowType, int[] partitionKeys) {
        List<DataType> fields = DataType.getFieldDataTypes(rowType);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            final int pos = i;
            if (isInteger(fields.get(i)) && Arrays.stream(partitionKeys).noneMatch(k -> k == pos)) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean isInteger(DataType type) {
        return EnumSet.of(LogicalTypeRoot.TINYINT, LogicalTypeRoot.SMALLINT, LogicalTypeRoot.INTEGER,
                LogicalTypeRoot.BIGINT).contains(type.getLogicalType().getTypeRoot());
    }

    /**
     * The reflectively extracted inference (arguments, state) with an output type that depends on the
     * call: {@code as_of_ms}, then {@code <measure>_<window>} for each measure of the input table and
     * each entry of the literal {@code windows} argument.
     */
    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        TypeInference extracted = super.getTypeInference(typeFactory);
        TypeInference.Builder builder = TypeInference.newBuilder()
                .inputTypeStrategy(extracted.getInputTypeStrategy())
                .stateTypeStrategies(extracted.getStateTypeStrategies())
                .disableSystemArguments(extracted.disableSystemArguments())
                .outputTypeStrategy(RollingTiles::outputType);
        extracted.getStaticArguments().ifPresent(builder::staticArguments);
        return builder.build();
    }

    static Optional<DataType> outputType(CallContext call) {
        Optional<TableSemantics> input = call.getTableSemantics(0);
        if (input.isEmpty()) {
            return call.fail(true, "rolling_tiles: the first argument must be a table (input => table t partition by ...)");
        }
        if (!call.isArgumentLiteral(1)) {
            return call.fail(true, "rolling_tiles: windows must be a literal string such as '1h,24h,7d,30d'");
        }
        String text = call.getArgumentValue(1, String.class).orElse(null);
        WindowSpec spec;
        try {
            spec = WindowSpec.parse(text, TILE_MS);
        } catch (IllegalArgumentException e) {
            return call.fail(true, "rolling_tiles: " + e.getMessage());
        }
        if (!call.isArgumentNull(2)) {
            String emit = call.isArgumentLiteral(2) ? call.getArgumentValue(2, String.class).orElse(null) : null;
            try {
                onActivity(emit == null ? "" : emit);
            } catch (IllegalArgumentException e) {
                return call.fail(true, "rolling_tiles: " + e.getMessage() + " (a literal)");
            }
        }
        TableSemantics semantics = input.get();
        int[] measures = measurePositions(semantics.dataType(), semantics.partitionByColumns());
        if (measures.length == 0) {
            return call.fail(true, "rolling_tiles: the input table has no integer column besides its partition keys "
                    + "to sum");
        }
        List<String> names = DataType.getFieldNames(semantics.dataType());
        List<DataTypes.Field> out = new ArrayList<>();
        out.add(DataTypes.FIELD("as_of_ms", DataTypes.BIGINT().notNull()));
        for (int measure : measures) {
            for (int j = 0; j < spec.size(); j++) {
                out.add(DataTypes.FIELD(names.get(measure) + "_" + spec.name(j), DataTypes.BIGINT().notNull()));
            }
        }
        return Optional.of(DataTypes.ROW(out.toArray(new DataTypes.Field[0])));
    }
}
