package locks

// EntryLock is an entrylk: a lock on one name of a directory, or on the
// whole directory when Name is empty.
type EntryLock struct {
	Name  string
	Type  Type // Read or Write
	Owner Owner
}

// conflicts reports whether a and b, held by different owners, cannot both
// be granted: they name the same entry (or one covers the whole directory)
// and at least one is a write lock.
func (a EntryLock) conflicts(b EntryLock) bool {
	if a.Owner == b.Owner || (a.Type != Write && b.Type != Write) {
		return false
	}
	return a.Name == "" || b.Name == "" || a.Name == b.Name
}

// entryConflict reports whether el conflicts with any lock of ls.
func entryConflict(ls []EntryLock, el EntryLock) bool {
	for _, l := range ls {
		if l.conflicts(el) {
			return true
		}
	}
	return false
}

// entryApply returns ls with the owner's lock on el.Name replaced by el, or
// removed when el is an unlock.
func entryApply(ls []EntryLock, el EntryLock) []EntryLock {
	out := make([]EntryLock, 0, len(ls)+1)
	for _, l := range ls {
		if l.Owner != el.Owner || l.Name != el.Name {
			out = append(out, l)
		}
	}
	if el.Type != Unlock {
		out = append(out, el)
	}
	return out
}

// entryWithoutSession returns ls without the locks of session s, and
// whether any were removed.
func entryWithoutSession(ls []EntryLock, s uint64) ([]EntryLock, bool) {
	kept := ls[:0]
	for _, l := range ls {
		if l.Owner.Session != s {
			kept = append(kept, l)
		}
	}
	return kept, len(kept) != len(ls)
}
