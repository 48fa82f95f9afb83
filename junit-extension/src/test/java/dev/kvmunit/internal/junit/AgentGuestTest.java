package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.ExecRequest;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Commands get the library directories of the probes, after any the test chose itself. */
class AgentGuestTest {
    private final VmSession session = mock(VmSession.class);
    private final AgentGuest guest = new AgentGuest(session);

    @Test
    void withoutExtraLibrariesTheRequestIsUnchanged() {
        when(session.libraryPath()).thenReturn(Optional.empty());
        ExecRequest request = ExecRequest.of("stress-ng", "--version");

        assertSame(request, guest.withLibraryPath(request));
    }

    @Test
    void extraLibrariesAreAddedBehindTheTestsOwnChoice() {
        when(session.libraryPath()).thenReturn(Optional.of("/usr/local/lib:/opt/probe/lib"));

        assertEquals(Map.of("LD_LIBRARY_PATH", "/usr/local/lib:/opt/probe/lib"),
                guest.withLibraryPath(ExecRequest.of("fio")).env());
        assertEquals(Map.of("LD_LIBRARY_PATH", "/mine:/usr/local/lib:/opt/probe/lib", "X", "1"),
                guest.withLibraryPath(ExecRequest.of("fio").withEnv("LD_LIBRARY_PATH", "/mine").withEnv("X", "1")).env());
    }
}
