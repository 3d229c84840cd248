package brickpb

// Protocol features a brick server announces in its EVENT_SESSION
// (Event.features): what it has beyond the first version of the
// protocol. A client uses a feature only with a server that announced it.
const (
	// FeatureInodelkPostOp: InodelkRequest.post_op is applied before the
	// unlock. An older server would ignore the field, and the post-op
	// would be lost.
	FeatureInodelkPostOp = "inodelk-post-op"
	// FeatureCreateEntryUnlock: CreateRequest.entry_unlock_domain is
	// honoured (an older server ignores it, and says so: entry_unlocked
	// stays false).
	FeatureCreateEntryUnlock = "create-entry-unlock"
	// FeatureReleaseUnlock: Release honours FdRequest.unlock_domain and
	// post_op (an older server would close the fd and leave the lock).
	FeatureReleaseUnlock = "release-unlock"
	// FeatureCreateEntryLock: CreateRequest.entry_lock_domain is honoured
	// (an older server would make the file without the lock).
	FeatureCreateEntryLock = "create-entry-lock"
	// FeatureCarried: requests carried in a call's CarriedKey metadata
	// are carried out before the call (carried.go). An older server would
	// ignore them, and the locks they release would stay held.
	FeatureCarried = "carried"
)

// ServerFeatures is every feature this version implements.
var ServerFeatures = []string{FeatureInodelkPostOp, FeatureCreateEntryUnlock, FeatureReleaseUnlock, FeatureCreateEntryLock, FeatureCarried}
