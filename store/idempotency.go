package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// ClaimIdempotencyKey records that subject is processing key. It returns claimed=true when
// this call owns the key; otherwise it returns the existing record (in progress when its
// Status is 0) so the caller can replay, refuse or wait. Expired records are replaced, and
// so is a claim still in progress after abandonAfter: its request cannot be running any more
// (the process serving it died), and keeping it would refuse every retry until the record
// expires. A taken-over claim gets a new CreatedAt, which is what Complete and Release match
// on, so the abandoned request can no longer touch the record if it was not dead after all.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, subject, key, hash string, ttl, abandonAfter time.Duration) (IdempotencyKey, bool, error) {
	defer s.writing()()
	// Microseconds: PostgreSQL keeps no more, and Complete/Release compare CreatedAt exactly.
	now := time.Now().UTC().Truncate(time.Microsecond)
	rec := IdempotencyKey{Subject: subject, Key: key, RequestHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	db := s.db.WithContext(ctx)
	gone := db.Where("subject = ? AND key = ?", subject, key)
	if abandonAfter > 0 {
		gone = gone.Where("(expires_at < ? OR (status = 0 AND created_at < ?))", now, now.Add(-abandonAfter))
	} else {
		gone = gone.Where("expires_at < ?", now)
	}
	// Delete then insert-if-absent: of two retries racing for an abandoned claim, both may
	// delete but only one insert wins; the other sees the winner's fresh claim.
	if err := gone.Delete(&IdempotencyKey{}).Error; err != nil {
		return rec, false, translate(err)
	}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
	if res.Error != nil {
		return rec, false, translate(res.Error)
	}
	if res.RowsAffected == 1 {
		return rec, true, nil
	}
	var existing IdempotencyKey
	if err := db.Where("subject = ? AND key = ?", subject, key).Take(&existing).Error; err != nil {
		return existing, false, translate(err)
	}
	return existing, false, nil
}

// CompleteIdempotencyKey stores the response of the claim made at claimedAt (the claim's
// CreatedAt). It does nothing when that claim has been taken over.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, subject, key string, claimedAt time.Time, status int, body []byte) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Model(&IdempotencyKey{}).
		Where("subject = ? AND key = ? AND status = 0 AND created_at = ?", subject, key, claimedAt.UTC()).
		Updates(map[string]any{"status": status, "response": body}).Error)
}

// ReleaseIdempotencyKey forgets the claim made at claimedAt, whose request failed
// transiently or never answered, so the client can retry with the key. A claim taken over
// since is left alone.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, subject, key string, claimedAt time.Time) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).
		Where("subject = ? AND key = ? AND status = 0 AND created_at = ?", subject, key, claimedAt.UTC()).
		Delete(&IdempotencyKey{}).Error)
}
