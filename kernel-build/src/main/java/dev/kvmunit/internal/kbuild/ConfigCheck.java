package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.KernelConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the options the fragments asked for are what olddefconfig left in .config. Kconfig
 * drops or changes an option whose dependencies are not met without failing, so a kernel could
 * otherwise be built, cached and booted without, say, SCHED_CLASS_EXT. When fragments set the
 * same option, the last one counts, as in merge_config.sh.
 */
final class ConfigCheck {
    private ConfigCheck() {
    }

    /** Each fragment option that did not survive, as a line for people; empty when all did. */
    static List<String> lostOptions(List<Fragment> fragments, KernelConfig result) {
        Map<String, Asked> asked = new LinkedHashMap<>();
        for (Fragment fragment : fragments) {
            for (Fragment.Option option : fragment.options()) {
                asked.put(option.name(), new Asked(fragment, option));
            }
        }
        List<String> lost = new ArrayList<>();
        for (Asked a : asked.values()) {
            Optional<String> wanted = enabledValue(KernelConfig.parse(a.fragment.source(), a.fragment.source(),
                    List.of(a.option.asConfigLine())), a.option.name());
            Optional<String> got = enabledValue(result, a.option.name());
            if (!wanted.equals(got)) {
                lost.add(a.option.asConfigLine() + " (" + a.fragment.source() + " line " + a.option.line()
                        + ") became " + got.map(v -> a.option.name() + "=" + v).orElse("not set"));
            }
        }
        return lost;
    }

    /** Like {@link #lostOptions}, failing with all of them named. */
    static void requireSurvived(List<Fragment> fragments, KernelConfig result) {
        List<String> lost = lostOptions(fragments, result);
        if (!lost.isEmpty()) {
            throw new KernelBuildException(lost.size() + " fragment option" + (lost.size() == 1 ? "" : "s")
                    + " did not survive make olddefconfig:\n  " + String.join("\n  ", lost)
                    + "\nAn option Kconfig drops has an unmet 'depends on' (or is forced by a 'select'): add what it"
                    + " depends on to the fragment, or find it with make menuconfig's search (/)");
        }
    }

    /** "n" and not set are the same thing to Kconfig. */
    private static Optional<String> enabledValue(KernelConfig config, String option) {
        return config.value(option).filter(v -> !v.equals("n"));
    }

    private record Asked(Fragment fragment, Fragment.Option option) {
    }
}
