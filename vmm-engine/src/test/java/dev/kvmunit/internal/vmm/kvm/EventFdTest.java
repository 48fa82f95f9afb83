package dev.kvmunit.internal.vmm.kvm;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class EventFdTest {
    @Test
    void awaitReturnsTheSignalsSinceTheLastCall() {
        try (EventFd event = EventFd.create("test")) {
            event.signal();
            event.signal();
            event.signal();

            assertEquals(3, event.await());
        }
    }

    @Test
    void closingWakesABlockedReaderWithZero() throws Exception {
        EventFd event = EventFd.create("test");
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(event::await);
        Thread.sleep(100); // let the reader block in read; if it has not yet, it sees the close at once
        assertFalse(reader.isDone(), "await returned without a signal");

        event.close();

        assertEquals(0L, reader.get(30, TimeUnit.SECONDS));
        assertEquals(0L, event.await());
        event.signal(); // a late signal after close is dropped, not written to a recycled fd
    }
}
