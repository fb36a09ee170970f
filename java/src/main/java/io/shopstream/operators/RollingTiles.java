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
 *     windows => '1h,24h,7d,30d')
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
    /**
     * No TTL on the state: a key's state ends when its last tile leaves the longest window. (Without a
     * ttl a PTF state entry gets Long.MAX_VALUE, i.e. TTL wrappers whose incremental cleanup walks
     * state entries on every access: 231 -> 50 CPU µs per row with it off, bench/rolling_tiles.py.)
     */
    private static final String NO_TTL = "0";

    /**
     * The per-key summary, read and written by every call: running sums, where each window's oldest
     * tile is, and the tiles still open. Closed tiles live in the {@code tiles} map (sequence number ->
     * {@code [start, measure...]}), written once when they close and read once per window when they expire.
     */
    public static class Rolling {
        /** Window lengths, as parsed from the call's {@code windows} (kept for timers, which get no arguments). */
        public long[] windowMs;
        /** {@code [measure * windows + window]}: sum of the closed tiles inside each window. */
        public long[] sums;
        /** Per window: sequence number of its oldest tile. */
        public long[] cursor;
        /** Per window: start of that tile, or {@code Long.MAX_VALUE} when the window holds none. */
        public long[] cursorStart;
        /** Sequence number the next closed tile gets. */
        public long nextSeq;
        /** Lowest sequence number still in the tiles map. */
        public long oldestSeq;
        /** Starts of the tiles whose minute has not closed yet, ascending (usually one). */
        public long[] openStarts;
        /** {@code [open tile * measures + measure]}: their counts. */
        public long[] openCounts;
    }

    private transient int[] measurePositions;
    private transient WindowSpec windows;
    private transient Counter lateRows;

    @Override
    public void open(FunctionContext context) throws Exception {
        lateRows = context.getMetricGroup().counter("late_rows");
    }

    public void eval(
            Context ctx,
            @StateHint(name = "rolling", ttl = NO_TTL) Rolling state,
            @StateHint(name = "tiles", ttl = NO_TTL) MapView<Long, long[]> tiles,
            @ArgumentHint(value = {ArgumentTrait.SET_SEMANTIC_TABLE, ArgumentTrait.REQUIRE_ON_TIME}, name = INPUT)
                    Row input,
            @ArgumentHint(name = "windows") String windowsText) throws Exception {
        int[] measures = measurePositions(ctx);
        int m = measures.length;
        if (state.windowMs == null) {
            start(state, windowSpec(windowsText).lengthsMs(), m);
        }
        TimeContext<Long> time = ctx.timeContext(Long.class);
        long tileStart = Math.floorDiv(time.time(), TILE_MS) * TILE_MS;
        Long watermark = time.currentWatermark();
        if (watermark != null && tileStart + TILE_MS - 1 <= watermark) {
            lateRows.inc();
            return;
        }
        int slot = openSlot(state, tileStart, m);
        if (slot < 0) {
            slot = -slot - 1;
            time.registerOnTime(tileStart + TILE_MS - 1);
        }
        long[] counts = state.openCounts;
        int base = slot * m;
        for (int i = 0; i < m; i++) {
            Object value = input.getField(measures[i]);
            if (value != null) {
                counts[base + i] += ((Number) value).longValue();
            }
        }
    }

    public void onTimer(OnTimerContext ctx, Rolling state, MapView<Long, long[]> tiles) throws Exception {
        if (state.windowMs == null) {
            return;
        }
        TimeContext<Long> time = ctx.timeContext(Long.class);
        long asOf = time.time() + 1;
        int w = state.windowMs.length;
        int m = state.sums.length / w;
        boolean changed = closeTiles(state, tiles, asOf, m, w);
        changed |= expireTiles(state, tiles, asOf, m, w);
        if (changed) {
            Object[] fields = new Object[1 + m * w];
            fields[0] = asOf;
            for (int i = 0; i < m * w; i++) {
                fields[1 + i] = state.sums[i];
            }
            collect(Row.of(fields));
        }
        boolean holding = state.openStarts.length > 0;
        for (int j = 0; j < w; j++) {
            if (state.cursorStart[j] != NONE) {
                // the minute at whose end this window's oldest tile is out
                time.registerOnTime(state.cursorStart[j] + state.windowMs[j] + TILE_MS - 1);
                holding = true;
            }
        }
        if (!holding) {
            // Every window is empty and no tile is open: the key leaves no state behind. No timer of the key
            // is pending either (each fired as its window moved), so only the state is cleared. Not
            // clearAll()/clearAllTimers(): in Flink 2.3 they walk the unnamed timers of *every* key of the
            // subtask (forEachEventTimeTimer sets each timer's key as the current key) and then delete those
            // timestamps for whichever key is current last, i.e. they drop other keys' timers.
            ctx.clearAllState();
        }
    }

    // -- tiles --------------------------------------------------------------------------------------

    private static void start(Rolling state, long[] windowMs, int measures) {
        int w = windowMs.length;
        state.windowMs = windowMs;
        state.sums = new long[measures * w];
        state.cursor = new long[w];
        state.cursorStart = new long[w];
        Arrays.fill(state.cursorStart, NONE);
        state.nextSeq = 0;
        state.oldestSeq = 0;
        state.openStarts = new long[0];
        state.openCounts = new long[0];
    }

    /** Index of the open tile starting at {@code tileStart}, or {@code -(index + 1)} of a new one. */
    private static int openSlot(Rolling state, long tileStart, int m) {
        long[] starts = state.openStarts;
        int at = 0;
        while (at < starts.length && starts[at] < tileStart) {
            at++;
        }
        if (at < starts.length && starts[at] == tileStart) {
            return at;
        }
        long[] newStarts = new long[starts.length + 1];
        System.arraycopy(starts, 0, newStarts, 0, at);
        newStarts[at] = tileStart;
        System.arraycopy(starts, at, newStarts, at + 1, starts.length - at);
        long[] counts = state.openCounts;
        long[] newCounts = new long[counts.length + m];
        System.arraycopy(counts, 0, newCounts, 0, at * m);
        System.arraycopy(counts, at * m, newCounts, (at + 1) * m, counts.length - at * m);
        state.openStarts = newStarts;
        state.openCounts = newCounts;
        return -(at + 1);
    }

    /** Moves the open tiles that ended by {@code asOf} into the map and into every window's sums. */
    private static boolean closeTiles(Rolling state, MapView<Long, long[]> tiles, long asOf, int m, int w)
            throws Exception {
        int closing = 0;
        while (closing < state.openStarts.length && state.openStarts[closing] + TILE_MS <= asOf) {
            long tileStart = state.openStarts[closing];
            long seq = state.nextSeq++;
            long[] tile = new long[1 + m];
            tile[0] = tileStart;
            System.arraycopy(state.openCounts, closing * m, tile, 1, m);
            tiles.put(seq, tile);
            for (int i = 0; i < m; i++) {
                long v = tile[1 + i];
                for (int j = 0; j < w; j++) {
                    state.sums[i * w + j] += v;
                }
            }
            for (int j = 0; j < w; j++) {
                if (state.cursorStart[j] == NONE) {
                    state.cursor[j] = seq;
                    state.cursorStart[j] = tileStart;
                }
            }
            closing++;
        }
        if (closing > 0) {
            state.openStarts = Arrays.copyOfRange(state.openStarts, closing, state.openStarts.length);
            state.openCounts = Arrays.copyOfRange(state.openCounts, closing * m, state.openCounts.length);
        }
        return closing > 0;
    }

    /** Subtracts every tile that starts before {@code asOf - window} from that window's sums. */
    private static boolean expireTiles(Rolling state, MapView<Long, long[]> tiles, long asOf, int m, int w)
            throws Exception {
        boolean changed = false;
        for (int j = 0; j < w; j++) {
            long from = asOf - state.windowMs[j];
            long[] tile = null;
            while (state.cursorStart[j] < from) {
                if (tile == null) {
                    tile = tiles.get(state.cursor[j]);
                }
                for (int i = 0; i < m; i++) {
                    state.sums[i * w + j] -= tile[1 + i];
                }
                state.cursor[j]++;
                tile = state.cursor[j] < state.nextSeq ? tiles.get(state.cursor[j]) : null;
                state.cursorStart[j] = tile == null ? NONE : tile[0];
                changed = true;
            }
        }
        long keepFrom = state.nextSeq;
        for (int j = 0; j < w; j++) {
            if (state.cursorStart[j] != NONE) {
                keepFrom = Math.min(keepFrom, state.cursor[j]);
            }
        }
        while (state.oldestSeq < keepFrom) {
            tiles.remove(state.oldestSeq++);
        }
        return changed;
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
