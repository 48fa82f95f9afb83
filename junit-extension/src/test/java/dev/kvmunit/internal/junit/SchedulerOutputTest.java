package dev.kvmunit.internal.junit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A scheduler's debug dump is kept apart, so its own last lines survive it. */
class SchedulerOutputTest {
    private static final String RULE = "=".repeat(80);

    @Test
    void theDebugDumpIsFoldedIntoOneLineAndKeptApart() {
        SchedulerOutput output = new SchedulerOutput();
        for (String line : List.of("local=3 global=4", "", "DEBUG DUMP", RULE, "", "CPU states", "----------", RULE,
                "", "EXIT: runnable task stall (sh[116] failed to run for 5.140s)")) {
            output.add(line);
        }

        assertEquals(List.of("local=3 global=4", "", "(DEBUG DUMP of 3 lines, attached to the test as sched-ext-dump.txt)",
                "", "EXIT: runnable task stall (sh[116] failed to run for 5.140s)"), output.tail());
        assertEquals(List.of("", "CPU states", "----------"), output.dump());
    }

    @Test
    void onlyTheLastThirtyLinesAreKept() {
        SchedulerOutput output = new SchedulerOutput();
        IntStream.range(0, 100).forEach(i -> output.add("line " + i));

        assertEquals(30, output.tail().size());
        assertEquals("line 70", output.tail().get(0));
        assertEquals(List.of(), output.dump());
    }
}
