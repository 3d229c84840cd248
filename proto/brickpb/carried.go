package brickpb

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
)

// Carried requests are requests nobody waits for — an entry unlock at the
// end of a transaction, the release of a file — that a client sends with
// its next call to the brick instead of on their own: each is one value
// of the call's CarriedKey metadata, and the server carries them out, in
// order, before the call itself. Only requests that end something may be
// carried; their answers are not sent back (the server logs failures).
// A server announces FeatureCarried when it honours them.

// CarriedKey is the metadata key of carried requests (binary: grpc-go
// base64-encodes its values on the wire).
const CarriedKey = "mortar-carried-bin"

// MaxCarried bounds the requests one call carries.
const MaxCarried = 16

// CarriedKind says which request a carried value holds.
type CarriedKind byte

const (
	// CarriedEntryUnlock is an EntrylkRequest with cmd LK_SET and type
	// LOCK_UNLOCK, carried out as Entrylk.
	CarriedEntryUnlock CarriedKind = 1
	// CarriedRelease is an FdRequest carried out as Release (with the
	// end of an eager window when unlock_domain is set).
	CarriedRelease CarriedKind = 2
	// CarriedReleasedir is an FdRequest carried out as Releasedir.
	CarriedReleasedir CarriedKind = 3
)

// ErrCarried is wrapped by every DecodeCarried error.
var ErrCarried = errors.New("malformed carried request")

// EncodeCarried returns the metadata value of a carried request.
func EncodeCarried(k CarriedKind, m proto.Message) (string, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("carried request %d: %w", k, err)
	}
	return string(append([]byte{byte(k)}, b...)), nil
}

// DecodeCarried returns the request of a carried value: an
// *EntrylkRequest that unlocks, or an *FdRequest.
func DecodeCarried(v string) (CarriedKind, proto.Message, error) {
	if v == "" {
		return 0, nil, fmt.Errorf("%w: empty", ErrCarried)
	}
	k := CarriedKind(v[0])
	var m proto.Message
	switch k {
	case CarriedEntryUnlock:
		m = &EntrylkRequest{}
	case CarriedRelease, CarriedReleasedir:
		m = &FdRequest{}
	default:
		return 0, nil, fmt.Errorf("%w: unknown kind %d", ErrCarried, k)
	}
	if err := proto.Unmarshal([]byte(v[1:]), m); err != nil {
		return 0, nil, fmt.Errorf("%w: kind %d: %v", ErrCarried, k, err)
	}
	if e, ok := m.(*EntrylkRequest); ok && (e.GetCmd() != LkCmd_LK_SET || e.GetType() != LockType_LOCK_UNLOCK) {
		return 0, nil, fmt.Errorf("%w: an entry lock request that does not unlock (cmd %v, type %v)", ErrCarried, e.GetCmd(), e.GetType())
	}
	return k, m, nil
}
