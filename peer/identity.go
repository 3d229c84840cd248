package peer

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// identity is what a daemon keeps of itself in its state directory
// (peer.json): its uuid and the pool it belongs to. A daemon alone is a
// pool of its own, born with it.
type identity struct {
	UUID   string `json:"uuid"`
	PoolID string `json:"pool_id"`
	// Key is the pool's memberlist key (AES-256).
	Key []byte `json:"pool_key"`
}

const identityFile = "peer.json"

// loadIdentity reads dir's identity, creating one (a new pool) on the first
// start.
func loadIdentity(dir string) (*identity, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		id := &identity{UUID: newUUID()}
		id.newPool()
		return id, true, id.save(dir)
	}
	if err != nil {
		return nil, false, fmt.Errorf("peer identity: %w", err)
	}
	var id identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, false, fmt.Errorf("peer identity %s: %w", filepath.Join(dir, identityFile), err)
	}
	if id.UUID == "" || id.PoolID == "" || len(id.Key) != 32 {
		return nil, false, fmt.Errorf("peer identity %s: incomplete", filepath.Join(dir, identityFile))
	}
	return &id, false, nil
}

// newPool makes id the first peer of a new pool.
func (id *identity) newPool() {
	id.PoolID = newUUID()
	id.Key = make([]byte, 32)
	_, _ = rand.Read(id.Key)
}

// save writes id atomically; the key makes it private to root.
func (id *identity) save(dir string) error {
	b, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, identityFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("peer identity: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, identityFile)); err != nil {
		return fmt.Errorf("peer identity: %w", err)
	}
	return nil
}

// newUUID returns a random (version 4) uuid.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
