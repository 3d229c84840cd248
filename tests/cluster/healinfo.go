package cluster

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// HealInfo is the output of `mortar heal --info --json`: the entries each
// brick lists as needing heal, and the entries in split-brain.
type HealInfo struct {
	Bricks     []HealBrick
	SplitBrain []HealEntry
	Raw        string
}

// HealBrick is one brick's list of entries needing heal.
type HealBrick struct {
	Brick   string
	Count   int // the count the brick reports (at least len(Entries))
	Entries []HealEntry
	Error   string // the brick could not be read (not connected...)
}

// HealEntry names a file by path, gfid or both.
type HealEntry struct {
	Path string
	GFID string
}

func (e HealEntry) String() string {
	switch {
	case e.Path != "" && e.GFID != "":
		return e.Path + " (" + e.GFID + ")"
	case e.Path != "":
		return e.Path
	}
	return "gfid:" + e.GFID
}

// Pending is the number of entries needing heal over all bricks.
func (h *HealInfo) Pending() int {
	n := 0
	for _, b := range h.Bricks {
		n += b.Count
	}
	return n
}

// Clean reports whether every brick was read and nothing needs heal.
func (h *HealInfo) Clean() bool {
	for _, b := range h.Bricks {
		if b.Error != "" {
			return false
		}
	}
	return h.Pending() == 0 && len(h.SplitBrain) == 0
}

// InSplitBrain reports whether the entry of the volume path p (or of the
// gfid g) is listed in split-brain.
func (h *HealInfo) InSplitBrain(p, g string) bool {
	for _, e := range h.SplitBrain {
		if (p != "" && normPath(e.Path) == normPath(p)) || (g != "" && strings.EqualFold(e.GFID, g)) {
			return true
		}
	}
	return false
}

func (h *HealInfo) String() string {
	if h == nil {
		return "(none)"
	}
	return strings.TrimSpace(h.Raw)
}

func normPath(p string) string { return "/" + strings.Trim(p, "/") }

// ParseHealInfo reads `mortar heal --info --json`: the Info of mount/heal
// for each replica set, {"set": NAME, "bricks": [{"brick", "entries":
// [{"gfid", "path"}], "split_brain": [...]}]}, given as one object, a list
// of them, or {"sets": [...]}. Small variations are taken too (entries as
// strings, a "count", split-brain entries at the top), so that the tests
// do not break on them; anything it cannot read is an error showing the
// output, never an empty result.
func ParseHealInfo(out []byte) (*HealInfo, error) {
	var top any
	if err := json.Unmarshal(out, &top); err != nil {
		return nil, fmt.Errorf("heal --info --json: not JSON (%v): %q", err, trim(out))
	}
	h := &HealInfo{Raw: string(out)}
	if err := h.collect(top, 0); err != nil {
		return nil, fmt.Errorf("heal --info --json: %v in %q", err, trim(out))
	}
	h.SplitBrain = dedupe(h.SplitBrain)
	return h, nil
}

// collect reads v, a set (an object with bricks or split-brain entries),
// a brick (an object with entries), or a list or {"sets": [...]} of those.
func (h *HealInfo) collect(v any, depth int) error {
	if depth > 4 {
		return fmt.Errorf("nested too deep")
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := h.collect(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if sets, ok := findKey(x, "sets"); ok {
			if _, isList := sets.([]any); !isList {
				return fmt.Errorf(`"sets" is not a list`)
			}
			return h.collect(sets, depth+1)
		}
		bricks, hasBricks := findKey(x, "bricks")
		split, hasSplit := findKey(x, "splitbrain")
		_, hasEntries := findKey(x, "entries")
		_, hasCount := findKey(x, "count")
		switch {
		case hasBricks || (hasSplit && !hasEntries && !hasCount):
			if hasBricks {
				list, ok := bricks.([]any)
				if !ok && bricks != nil {
					return fmt.Errorf(`"bricks" is not a list`)
				}
				for _, b := range list {
					hb, sb, err := healBrick(b)
					if err != nil {
						return err
					}
					h.Bricks = append(h.Bricks, hb)
					h.SplitBrain = append(h.SplitBrain, sb...)
				}
			}
			if hasSplit {
				es, err := entries(split)
				if err != nil {
					return fmt.Errorf("split-brain entries: %v", err)
				}
				h.SplitBrain = append(h.SplitBrain, es...)
			}
			return nil
		case hasEntries || hasCount:
			hb, sb, err := healBrick(x)
			if err != nil {
				return err
			}
			h.Bricks = append(h.Bricks, hb)
			h.SplitBrain = append(h.SplitBrain, sb...)
			return nil
		}
		return fmt.Errorf("an object that is neither a set nor a brick")
	}
	return fmt.Errorf("want objects, got %v", v)
}

func healBrick(b any) (HealBrick, []HealEntry, error) {
	m, ok := b.(map[string]any)
	if !ok {
		return HealBrick{}, nil, fmt.Errorf("a brick is not an object: %v", b)
	}
	var hb HealBrick
	var split []HealEntry
	count := -1
	for k, val := range m {
		switch normKey(k) {
		case "brick", "name", "spec":
			hb.Brick, _ = val.(string)
		case "entries", "pending", "needsheal", "heal":
			es, err := entries(val)
			if err != nil {
				return hb, nil, fmt.Errorf("brick entries %q: %v", k, err)
			}
			hb.Entries = append(hb.Entries, es...)
		case "count", "numberofentries", "total":
			if f, ok := val.(float64); ok {
				count = int(f)
			}
		case "error":
			if e, ok := val.(string); ok && e != "" {
				hb.Error = e
			}
		case "connected":
			if c, ok := val.(bool); ok && !c && hb.Error == "" {
				hb.Error = "not connected"
			}
		case "splitbrain":
			es, err := entries(val)
			if err != nil {
				return hb, nil, fmt.Errorf("brick split-brain entries %q: %v", k, err)
			}
			split = append(split, es...)
		}
	}
	hb.Count = max(count, len(hb.Entries))
	return hb, split, nil
}

var uuidRE = regexp.MustCompile(`^(gfid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func entries(v any) ([]HealEntry, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list")
	}
	var out []HealEntry
	for _, e := range list {
		switch x := e.(type) {
		case string:
			if uuidRE.MatchString(x) {
				out = append(out, HealEntry{GFID: strings.TrimPrefix(x, "gfid:")})
			} else {
				out = append(out, HealEntry{Path: x})
			}
		case map[string]any:
			var he HealEntry
			for k, val := range x {
				s, _ := val.(string)
				switch normKey(k) {
				case "path", "name":
					he.Path = s
				case "gfid":
					he.GFID = strings.TrimPrefix(s, "gfid:")
				}
			}
			if he.Path == "" && he.GFID == "" {
				return nil, fmt.Errorf("entry %v names no path and no gfid", x)
			}
			out = append(out, he)
		default:
			return nil, fmt.Errorf("entry %v is neither a string nor an object", e)
		}
	}
	return out, nil
}

func dedupe(es []HealEntry) []HealEntry {
	seen := map[HealEntry]bool{}
	var out []HealEntry
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func findKey(m map[string]any, want string) (any, bool) {
	for k, v := range m {
		if normKey(k) == want {
			return v, true
		}
	}
	return nil, false
}

// normKey lowercases a JSON key and drops '_' and '-'.
func normKey(k string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
}

func trim(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return s
}
