package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// load reads the state file, or starts empty when there is none yet. A file that exists but
// cannot be read is an error rather than a silent reset, so a bad edit never wipes the outbox.
func (s *Sandbox) load() error {
	s.st = newState()
	if s.cfg.StatePath == "" {
		return nil
	}
	data, err := os.ReadFile(s.cfg.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(s.cfg.StatePath), 0o755); err != nil {
			return fmt.Errorf("sandbox: create state directory: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("sandbox: decode state %s: %w", s.cfg.StatePath, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("sandbox: state %s has version %d, want %d", s.cfg.StatePath, st.Version, stateVersion)
	}
	st.fill()
	s.st = st
	s.lastSaved = data
	return nil
}

// commitLocked persists the state after a mutation; the caller holds s.mu. When the write
// fails the in-memory state is rolled back to what is on disk, so a client never sees
// something acknowledged that a restart would forget.
func (s *Sandbox) commitLocked() error {
	if s.cfg.StatePath == "" {
		return nil
	}
	data, err := json.Marshal(s.st)
	if err == nil {
		err = writeFileAtomic(s.cfg.StatePath, data)
	}
	if err != nil {
		s.log.Error("persisting sandbox state failed; rolling back", "error", err)
		s.rollbackLocked()
		return err
	}
	s.lastSaved = data
	return nil
}

func (s *Sandbox) rollbackLocked() {
	if s.cfg.StatePath == "" {
		// Nothing durable to go back to; an in-memory sandbox keeps what it has.
		return
	}
	st := newState()
	if s.lastSaved != nil {
		if err := json.Unmarshal(s.lastSaved, st); err != nil {
			// lastSaved was produced by json.Marshal of the same type, so this cannot fail
			// short of memory corruption; keep an empty state rather than a half-decoded one.
			s.log.Error("restoring sandbox state failed", "error", err)
			st = newState()
		}
		st.fill()
	}
	s.st = st
}

// writeFileAtomic replaces path with data so that a crash at any point leaves either the old or
// the new content: write a temporary file beside it, fsync, rename over, fsync the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	// Without syncing the directory the rename itself may not survive a power loss.
	return d.Sync()
}
