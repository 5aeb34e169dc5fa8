package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// ClaimIdempotencyKey records that subject is processing key. It returns claimed=true when
// this call owns the key; otherwise it returns the existing record (in progress when its
// Status is 0) so the caller can replay, refuse or wait. Expired records are replaced.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, subject, key, hash string, ttl time.Duration) (IdempotencyKey, bool, error) {
	defer s.writing()()
	now := time.Now().UTC()
	rec := IdempotencyKey{Subject: subject, Key: key, RequestHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	db := s.db.WithContext(ctx)
	if err := db.Where("subject = ? AND key = ? AND expires_at < ?", subject, key, now).Delete(&IdempotencyKey{}).Error; err != nil {
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

// CompleteIdempotencyKey stores the response of a claimed key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, subject, key string, status int, body []byte) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Model(&IdempotencyKey{}).Where("subject = ? AND key = ?", subject, key).
		Updates(map[string]any{"status": status, "response": body}).Error)
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed transiently, so the client
// can retry with it.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, subject, key string) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Where("subject = ? AND key = ? AND status = 0", subject, key).Delete(&IdempotencyKey{}).Error)
}
