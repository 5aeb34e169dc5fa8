// Package privatefile creates the files that hold personal data (the embedded databases of
// `partnerflow dev`) readable by their owner only.
package privatefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Ensure makes path's directory (0700, when it does not exist yet) and path itself (an empty
// file, 0600, when it does not exist yet), so that a database opened at path afterwards — and
// the write-ahead log and shared-memory files SQLite gives the database file's mode — is not
// readable by other users. An existing file or directory keeps its mode.
func Ensure(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}
