package locks

import "sort"

// firstConflict returns the first lock of ls (by start) that conflicts
// with lk.
func firstConflict(ls []Lock, lk Lock) (Lock, bool) {
	for _, l := range ls {
		if l.conflicts(lk) {
			return l, true
		}
	}
	return Lock{}, false
}

// apply returns ls with lk applied for lk.Owner, as fcntl(F_SETLK) does:
// the owner's locks inside [lk.Start, lk.End] are removed (split where they
// stick out), then, unless lk is an unlock, lk is added and merged with the
// owner's locks of the same type that it overlaps or touches. Locks of
// other owners are kept as they are; the caller has checked conflicts.
func apply(ls []Lock, lk Lock) []Lock {
	out := make([]Lock, 0, len(ls)+2)
	var mine []Lock
	for _, l := range ls {
		if l.Owner != lk.Owner {
			out = append(out, l)
			continue
		}
		mine = append(mine, subtract(l, lk)...)
	}
	if lk.Type != Unlock {
		mine = merge(mine, lk)
	}
	out = append(out, mine...)
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// subtract returns what is left of l outside r's range: zero, one or two
// pieces.
func subtract(l, r Lock) []Lock {
	if !l.overlaps(r) {
		return []Lock{l}
	}
	var pieces []Lock
	if l.Start < r.Start {
		p := l
		p.End = r.Start - 1
		pieces = append(pieces, p)
	}
	if r.End != ToEOF && l.End > r.End {
		p := l
		p.Start = r.End + 1
		pieces = append(pieces, p)
	}
	return pieces
}

// merge adds lk to mine (one owner's locks, no overlaps among them),
// absorbing every lock of the same type that lk overlaps or touches.
func merge(mine []Lock, lk Lock) []Lock {
	for changed := true; changed; {
		changed = false
		kept := mine[:0]
		for _, l := range mine {
			if l.Type == lk.Type && l.touches(lk) {
				lk.Start = min(lk.Start, l.Start)
				lk.End = max(lk.End, l.End)
				changed = true
				continue
			}
			kept = append(kept, l)
		}
		mine = kept
	}
	return append(mine, lk)
}

// withoutSession returns ls without the locks of session s, and whether
// any were removed.
func withoutSession(ls []Lock, s uint64) ([]Lock, bool) {
	kept := ls[:0]
	for _, l := range ls {
		if l.Owner.Session != s {
			kept = append(kept, l)
		}
	}
	return kept, len(kept) != len(ls)
}
