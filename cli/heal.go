package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/volume"
)

// healConnectBound bounds the wait for the bricks' first sessions: a
// brick that is down is reported, not waited for.
const healConnectBound = 5 * time.Second

// healArgs is a parsed `mortar heal` command line.
type healArgs struct {
	bricks     string
	replica    int
	arbiter    int
	name       string
	full       bool
	info       bool
	splitBrain bool
	resolve    string
	policy     string
	json       bool
	logf       logFlags
}

func healCmd() *command {
	a := &healArgs{}
	return &command{
		name: "heal",
		usage: "--bricks HOST:PORT/NAME,... --replica N [--arbiter 1] " +
			"[--full | --info [--split-brain] | --resolve PATH --policy source-brick:BRICK|bigger-file|latest-mtime] [--json]",
		summary: "heal the replica sets of a volume given by its bricks (default: what their dirty indexes list)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&a.bricks, "bricks", "", "comma-separated bricks, HOST:PORT/NAME; consecutive groups of --replica form a set")
			fs.IntVar(&a.replica, "replica", 1, "bricks per replica set")
			fs.IntVar(&a.arbiter, "arbiter", 0, "1: the last brick of every set is an arbiter (replica 3)")
			fs.StringVar(&a.name, "volume", "vol", "volume name (names the sets as the mount does)")
			fs.BoolVar(&a.full, "full", false, "walk the whole tree and heal everything (fills an empty, replaced brick)")
			fs.BoolVar(&a.info, "info", false, "list the entries needing heal, per brick")
			fs.BoolVar(&a.splitBrain, "split-brain", false, "with --info: only the entries in split-brain")
			fs.StringVar(&a.resolve, "resolve", "", "resolve the split-brain of PATH (from the volume root)")
			fs.StringVar(&a.policy, "policy", "", "with --resolve: source-brick:BRICK, bigger-file or latest-mtime")
			fs.BoolVar(&a.json, "json", false, "print JSON")
			a.logf.register(fs)
			_ = fs.Set("log-level", "warn") // a command's output is its report; say only what went wrong
			fs.Lookup("log-level").DefValue = "warn"
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			vf, err := a.volfile()
			if err != nil {
				return usagef("%v", err)
			}
			log, closeLog, err := a.logf.logger(e.stderr)
			if err != nil {
				return err
			}
			defer closeLog()
			v, err := openHealVolume(ctx, vf, log)
			if err != nil {
				return err
			}
			defer v.close()
			return a.run(ctx, e.stdout, v)
		},
	}
}

// volfile checks the flags and builds the volume they describe.
func (a *healArgs) volfile() (*volume.Volfile, error) {
	modes := 0
	for _, on := range []bool{a.full, a.info, a.resolve != ""} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return nil, errors.New("--full, --info and --resolve exclude each other")
	case a.splitBrain && !a.info:
		return nil, errors.New("--split-brain goes with --info")
	case (a.resolve == "") != (a.policy == ""):
		return nil, errors.New("--resolve PATH and --policy POLICY go together")
	case a.arbiter != 0 && a.arbiter != 1:
		return nil, fmt.Errorf("--arbiter %d: want 0 or 1", a.arbiter)
	}
	vf, err := volfileFromBricks(a.name, a.bricks, a.replica)
	if err != nil {
		return nil, err
	}
	vf.Arbiter = a.arbiter == 1
	return vf, vf.Validate()
}

// healVolume is one engine per replica set, over client bricks.
type healVolume struct {
	vf      *volume.Volfile
	bricks  [][]*client.Brick // per set
	engines []*heal.Engine
}

// openHealVolume connects to every brick (waiting at most
// healConnectBound for all of them together) and makes the engines.
func openHealVolume(ctx context.Context, vf *volume.Volfile, log *slog.Logger) (*healVolume, error) {
	v := &healVolume{vf: vf}
	var all []*client.Brick
	for _, set := range vf.Sets {
		var bs []*client.Brick
		var fbs []fop.Brick
		for _, ref := range set.Bricks {
			// FailFast: a brick that dies mid-heal fails at once.
			b, err := client.New(ref, client.Options{Logger: log, FailFast: true, NoChangeEvents: true})
			if err != nil {
				v.bricks = append(v.bricks, bs)
				v.close()
				return nil, fmt.Errorf("brick %s: %w", ref, err)
			}
			bs, fbs, all = append(bs, b), append(fbs, b), append(all, b)
		}
		v.bricks = append(v.bricks, bs)
		v.engines = append(v.engines, heal.New(heal.Set{Name: set.Name, Bricks: fbs, Arbiter: vf.Arbiter}, heal.Options{Logger: log}))
	}
	wctx, cancel := context.WithTimeout(ctx, healConnectBound)
	defer cancel()
	var wg sync.WaitGroup
	for _, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.WaitReady(wctx); err != nil {
				log.Warn("brick not reachable", "brick", b.Name(), "err", err)
			}
		}()
	}
	wg.Wait()
	return v, nil
}

func (v *healVolume) close() {
	for _, e := range v.engines {
		_ = e.Close()
	}
	for _, bs := range v.bricks {
		for _, b := range bs {
			_ = b.Close()
		}
	}
}

// run does what the flags ask.
func (a *healArgs) run(ctx context.Context, w io.Writer, v *healVolume) error {
	switch {
	case a.info:
		return a.runInfo(ctx, w, v)
	case a.resolve != "":
		return a.runResolve(ctx, w, v)
	}
	return a.runCrawl(ctx, w, v)
}

// setSummary is the JSON of one set's crawl.
type setSummary struct {
	Set     string       `json:"set"`
	Summary heal.Summary `json:"summary"`
	Error   string       `json:"error,omitempty"`
}

// runCrawl runs the index crawl (or, with --full, the full crawl) of every
// set; it fails when a heal failed or a set has no brick to heal with.
func (a *healArgs) runCrawl(ctx context.Context, w io.Writer, v *healVolume) error {
	var out []setSummary
	var errs []error
	for i, e := range v.engines {
		if err := setReachable(v.vf.Sets[i].Name, v.bricks[i]); err != nil {
			out, errs = append(out, setSummary{Set: v.vf.Sets[i].Name, Error: err.Error()}), append(errs, err)
			continue
		}
		crawl := e.CrawlIndex
		if a.full {
			crawl = e.CrawlFull
		}
		s, err := crawl(ctx)
		ss := setSummary{Set: v.vf.Sets[i].Name, Summary: s}
		if err != nil {
			ss.Error = err.Error()
			errs = append(errs, fmt.Errorf("set %s: %w", ss.Set, err))
		}
		out = append(out, ss)
	}
	if a.json {
		if err := writeJSON(w, map[string]any{"sets": out}); err != nil {
			return err
		}
	} else {
		printSummaries(w, out, v)
	}
	return errors.Join(errs...)
}

// setReachable fails when fewer than two bricks of a set are connected:
// nothing can be healed.
func setReachable(name string, bs []*client.Brick) error {
	up := 0
	for _, b := range bs {
		if b.Connected() {
			up++
		}
	}
	if up < 2 {
		return fmt.Errorf("set %s: %d of %d bricks reachable: %w", name, up, len(bs), heal.ErrNoBricks)
	}
	return nil
}

func printSummaries(w io.Writer, out []setSummary, v *healVolume) {
	for i, s := range out {
		fmt.Fprintf(w, "Set %s: %d inodes visited, %d healed, %d failed; %s copied, %d entries created, %d removed\n",
			s.Set, s.Summary.Visited, s.Summary.Healed, s.Summary.Failed, sizeString(s.Summary.Bytes), s.Summary.Created, s.Summary.Removed)
		for _, b := range v.bricks[i] {
			if !b.Connected() {
				fmt.Fprintf(w, "  Brick %s: not connected (not healed)\n", b.Name())
			}
		}
		for _, g := range s.Summary.SplitBrain {
			fmt.Fprintf(w, "  %s - Is in split-brain\n", g)
		}
		for _, g := range s.Summary.Unexplained {
			fmt.Fprintf(w, "  %s - copies differ, no changelog says which is right\n", g)
		}
		for _, msg := range s.Summary.Errors {
			fmt.Fprintf(w, "  error: %s\n", msg)
		}
		if s.Error != "" && len(s.Summary.Errors) == 0 {
			fmt.Fprintf(w, "  error: %s\n", s.Error)
		}
	}
}

// runInfo prints what needs healing, per brick (gluster volume heal VOL
// info [split-brain]).
func (a *healArgs) runInfo(ctx context.Context, w io.Writer, v *healVolume) error {
	var infos []heal.Info
	for _, e := range v.engines {
		info, err := e.Info(ctx)
		if err != nil {
			return fmt.Errorf("info of set %s: %w", info.Set, err)
		}
		if a.splitBrain {
			for i := range info.Bricks {
				info.Bricks[i].Entries = info.Bricks[i].SplitBrain
			}
		}
		infos = append(infos, info)
	}
	if a.json {
		return writeJSON(w, map[string]any{"sets": infos})
	}
	for _, info := range infos {
		for _, b := range info.Bricks {
			printBrickInfo(w, b, a.splitBrain)
		}
	}
	return nil
}

func printBrickInfo(w io.Writer, b heal.BrickInfo, splitOnly bool) {
	fmt.Fprintf(w, "Brick %s\n", b.Brick)
	split := map[string]bool{}
	for _, e := range b.SplitBrain {
		split[e.Gfid] = true
	}
	for _, e := range b.Entries {
		if split[e.Gfid] && !splitOnly {
			fmt.Fprintf(w, "%s - Is in split-brain\n", e.Path)
		} else {
			fmt.Fprintln(w, e.Path)
		}
	}
	count := fmt.Sprint(len(b.Entries))
	status := "Connected"
	switch {
	case !b.Connected:
		status, count = "Transport endpoint is not connected", "-"
	case b.Error != "":
		status, count = b.Error, "-"
	}
	label := "Number of entries"
	if splitOnly {
		label = "Number of entries in split-brain"
	}
	fmt.Fprintf(w, "Status: %s\n%s: %s\n\n", status, label, count)
}

// runResolve resolves the split-brain of one path.
func (a *healArgs) runResolve(ctx context.Context, w io.Writer, v *healVolume) error {
	set, g, policy, err := v.locate(ctx, a.resolve, a.policy)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", a.resolve, err)
	}
	if policy != a.policy {
		fmt.Fprintf(w, "%s has different gfids on the bricks: resolving the entry split-brain of its directory with %s\n", a.resolve, policy)
	}
	if g == fop.RootGfid {
		return v.resolveRoot(ctx, w, policy)
	}
	r, err := v.engines[set].Resolve(ctx, g, policy)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", a.resolve, err)
	}
	if a.json {
		return writeJSON(w, map[string]any{"set": v.vf.Sets[set].Name, "gfid": g.String(), "path": a.resolve,
			"resolved": kindStrings(r.Resolved), "healed": kindStrings(r.Healed), "bytes": r.Bytes})
	}
	fmt.Fprintf(w, "Healed %s (gfid %s, set %s) with %s: %s split-brain resolved, %s copied\n",
		a.resolve, g, v.vf.Sets[set].Name, policy, strings.Join(kindStrings(r.Resolved), ", "), sizeString(r.Bytes))
	return nil
}

// resolveRoot resolves the root directory on every set where it is in
// split-brain.
func (v *healVolume) resolveRoot(ctx context.Context, w io.Writer, policy string) error {
	resolved := 0
	for i, e := range v.engines {
		r, err := e.Resolve(ctx, fop.RootGfid, policy)
		switch {
		case errors.Is(err, heal.ErrNotSplitBrain):
		case err != nil:
			return fmt.Errorf("resolve / on set %s: %w", v.vf.Sets[i].Name, err)
		default:
			resolved++
			fmt.Fprintf(w, "Healed / on set %s with %s: %s split-brain resolved\n", v.vf.Sets[i].Name, policy, strings.Join(kindStrings(r.Resolved), ", "))
		}
	}
	if resolved == 0 {
		return fmt.Errorf("resolve /: %w", heal.ErrNotSplitBrain)
	}
	return nil
}

// locate walks path from the volume root: directories exist on every set,
// the last name lives on the set its (parent, name) hashes to, or the one
// a dht pointer there names, or any set that has it. It returns the set,
// the gfid to resolve and the policy to resolve it with: when the bricks
// of the set disagree on the last name's gfid (an entry split-brain), that
// is the parent directory, with the brick the policy picks among the
// name's copies as source.
func (v *healVolume) locate(ctx context.Context, path, policy string) (int, fop.Gfid, string, error) {
	names := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(names) == 0 {
		return 0, fop.RootGfid, policy, nil // the root is on every set: resolve it on the first
	}
	parent := fop.RootGfid
	for _, name := range names[:len(names)-1] {
		ents, _, err := v.lookupAny(ctx, parent, name)
		if err != nil {
			return 0, fop.Gfid{}, "", err
		}
		g, ok := sameGfid(ents)
		if !ok {
			return 0, fop.Gfid{}, "", fmt.Errorf("directory %q has different gfids on different bricks: resolve it first", name)
		}
		parent = g
	}
	last := names[len(names)-1]
	ents, set, err := v.lookupAny(ctx, parent, last)
	if err != nil {
		return 0, fop.Gfid{}, "", err
	}
	if g, ok := sameGfid(ents); ok {
		return set, g, policy, nil
	}
	src, err := pickGfidSource(ents, policy, v.bricks[set])
	if err != nil {
		return 0, fop.Gfid{}, "", fmt.Errorf("%q has different gfids on the bricks of set %s: %w", last, v.vf.Sets[set].Name, err)
	}
	return set, parent, heal.ResolveSourceBrick + v.bricks[set][src].Name(), nil
}

// lookupAny looks (parent, name) up on the bricks of its hashed set, then
// of the set a pointer names, then of every other set, and returns the
// entries of the first set where some brick has it (nil for bricks that
// do not).
func (v *healVolume) lookupAny(ctx context.Context, parent fop.Gfid, name string) ([]*fop.Entry, int, error) {
	order := []int{v.vf.Layout.SetOf(parent, name)}
	for i := range v.vf.Sets {
		if i != order[0] {
			order = append(order, i)
		}
	}
	var errs []error
	for _, set := range order {
		ents, err := lookupSet(ctx, v.bricks[set], parent, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if to := v.linktoSet(ents); to >= 0 && to != set {
			if data, err := lookupSet(ctx, v.bricks[to], parent, name); err == nil {
				return data, to, nil
			}
		}
		return ents, set, nil
	}
	return nil, 0, fmt.Errorf("%q: %w", name, errors.Join(errs...))
}

// linktoSet returns the set a dht pointer among ents names, or -1.
func (v *healVolume) linktoSet(ents []*fop.Entry) int {
	for _, e := range ents {
		if e == nil || e.Linkto == "" {
			continue
		}
		for i, s := range v.vf.Sets {
			if s.Name == e.Linkto {
				return i
			}
		}
	}
	return -1
}

// lookupSet looks (parent, name) up on every connected brick of a set; it
// fails when no brick has it.
func lookupSet(ctx context.Context, bs []*client.Brick, parent fop.Gfid, name string) ([]*fop.Entry, error) {
	ents := make([]*fop.Entry, len(bs))
	errs := make([]error, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		if !b.Connected() {
			errs[i] = fmt.Errorf("brick %s: %w", b.Name(), syscall.ENOTCONN)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := b.Lookup(ctx, parent, name)
			if err == nil {
				ents[i] = &e
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, e := range ents {
		if e != nil {
			return ents, nil
		}
	}
	return nil, errors.Join(errs...)
}

// sameGfid returns the gfid the bricks agree on.
func sameGfid(ents []*fop.Entry) (fop.Gfid, bool) {
	var g fop.Gfid
	for _, e := range ents {
		switch {
		case e == nil:
		case g.IsZero():
			g = e.Gfid
		case e.Gfid != g:
			return g, false
		}
	}
	return g, !g.IsZero()
}

// pickGfidSource picks, for a name with different gfids, the brick whose
// copy policy prefers.
func pickGfidSource(ents []*fop.Entry, policy string, bs []*client.Brick) (int, error) {
	if name, ok := strings.CutPrefix(policy, heal.ResolveSourceBrick); ok {
		for i, b := range bs {
			if b.Name() == name || b.ID() == name || strings.HasSuffix(b.Name(), "/"+name) {
				if ents[i] == nil {
					return -1, fmt.Errorf("brick %s does not have it", b.Name())
				}
				return i, nil
			}
		}
		return -1, fmt.Errorf("no brick %q in the set", name)
	}
	best, tied := -1, false
	for i, e := range ents {
		if e == nil {
			continue
		}
		c := compareForPolicy(e, best, ents, policy)
		switch {
		case best < 0 || c > 0:
			best, tied = i, false
		case c == 0:
			tied = true
		}
	}
	if best < 0 || tied {
		return -1, fmt.Errorf("policy %s cannot tell the copies apart", policy)
	}
	return best, nil
}

// compareForPolicy compares e with ents[best] under policy: > 0 when e is
// preferred.
func compareForPolicy(e *fop.Entry, best int, ents []*fop.Entry, policy string) int {
	if best < 0 {
		return 1
	}
	b := ents[best]
	switch policy {
	case heal.ResolveBiggerFile:
		return cmpInt(int64(e.Size), int64(b.Size))
	case heal.ResolveLatestMtime:
		if c := cmpInt(e.Mtime.Sec, b.Mtime.Sec); c != 0 {
			return c
		}
		return cmpInt(int64(e.Mtime.Nsec), int64(b.Mtime.Nsec))
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

func kindStrings[K fmt.Stringer](ks []K) []string {
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, k.String())
	}
	return out
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
