package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// healRunBound bounds one run of `mortar heal`.
const healRunBound = 3 * time.Minute

// HealError is a `mortar heal` run that did not exit 0.
type HealError struct {
	Args   []string
	Status int // exit status; -1 when it did not exit by itself
	Stderr string
	Err    error
}

func (e *HealError) Error() string {
	return fmt.Sprintf("mortar %s: %v (exit status %d): %s", quoteArgs(e.Args), e.Err, e.Status, strings.TrimSpace(e.Stderr))
}

// Usage reports whether the command line itself was refused (exit status
// 2): an unknown command or flag, which no retry can mend.
func (e *HealError) Usage() bool { return e.Status == 2 }

// RunHeal runs `mortar heal --bricks ... --replica N [--arbiter 1] ARGS`
// against the bricks directly, within a bound, and returns its standard
// output. Every run and its output go to the volume's heal log, printed
// when the test fails.
func (v *Volume) RunHeal(args ...string) (string, error) {
	full := append(append([]string{"heal", "--bricks", strings.Join(Specs(v.Bricks), ",")}, v.Flags()...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), healRunBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, Bin(v.t), full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	v.logHeal(full, start, err, stdout.String(), stderr.String())
	if err == nil {
		return stdout.String(), nil
	}
	he := &HealError{Args: full, Status: -1, Stderr: stderr.String(), Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		he.Status = ee.ExitCode()
	}
	if ctx.Err() != nil {
		he.Err = fmt.Errorf("still running after %v: killed", healRunBound)
	}
	return stdout.String(), he
}

func (v *Volume) logHeal(args []string, start time.Time, err error, stdout, stderr string) {
	f, ferr := os.OpenFile(v.healLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	status := "exit 0"
	if err != nil {
		status = err.Error()
	}
	fmt.Fprintf(f, "=== %s mortar %s (%v, %s)\n", start.Format("15:04:05.000"), quoteArgs(args), time.Since(start).Round(time.Millisecond), status)
	if s := strings.TrimSpace(stdout); s != "" {
		fmt.Fprintf(f, "--- stdout\n%s\n", s)
	}
	if s := strings.TrimSpace(stderr); s != "" {
		fmt.Fprintf(f, "--- stderr\n%s\n", s)
	}
}

// Heal runs `mortar heal` with args (none: heal what the dirty indexes
// list) and fails the test when it does not exit 0.
func (v *Volume) Heal(t testing.TB, args ...string) string {
	t.Helper()
	out, err := v.RunHeal(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Info runs `mortar heal --info --json` (with extra args, such as
// --split-brain) and parses it; it fails the test when the command fails
// or its output cannot be read.
func (v *Volume) Info(t testing.TB, args ...string) *HealInfo {
	t.Helper()
	info, err := v.info(args...)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (v *Volume) info(args ...string) (*HealInfo, error) {
	out, err := v.RunHeal(append([]string{"--info", "--json"}, args...)...)
	if err != nil {
		return nil, err
	}
	return ParseHealInfo([]byte(out))
}

// HealUntilClean runs `mortar heal` (the index heal) and then `mortar heal
// --info --json`, again and again, until the info reads every brick and
// lists no entry needing heal and no split-brain, within bound; it fails the test otherwise, with
// the last outputs. A refused command line fails at once.
func (v *Volume) HealUntilClean(t testing.TB, bound time.Duration) {
	t.Helper()
	var (
		rounds   int
		lastErr  error
		lastInfo *HealInfo
	)
	start := time.Now()
	ok := waitFor(bound, func() bool {
		rounds++
		if _, err := v.RunHeal(); err != nil {
			lastErr = err
			var he *HealError
			if errors.As(err, &he) && he.Usage() {
				return true
			}
		}
		info, err := v.info()
		if err != nil {
			lastErr = err
			var he *HealError
			return errors.As(err, &he) && he.Usage()
		}
		lastInfo = info
		return info.Clean()
	})
	var he *HealError
	if errors.As(lastErr, &he) && he.Usage() {
		t.Fatalf("mortar heal refused its command line: %v", lastErr)
	}
	if !ok {
		v.keepBricks(t)
		t.Fatalf("heal did not finish within %v (%d rounds of heal + info); last error: %v; last info: %s",
			bound, rounds, lastErr, lastInfo)
	}
	t.Logf("heal: clean after %d round(s), %v", rounds, time.Since(start).Round(time.Millisecond))
}
