package store

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/partnerflow/partnerflow/partnership"
)

// Actor is who makes a change, as the audit trails record it: the token's sub and role.
type Actor = partnership.Actor

// The kinds of subject a profile change is about.
const (
	SubjectBrand   = "brand"
	SubjectCreator = "creator"
)

// The types of profile change: the subject was made, or an edit changed it.
const (
	ChangeCreated = "created"
	ChangeUpdated = "updated"
)

// ProfileChange is one row of the append-only trail of changes to brands and creators: who
// made it, when, and the names of the members it changed (those the subject was created
// with, for a creation), never their values: a payments account above all is not to be
// copied around. The names are the API's member names.
type ProfileChange struct {
	ID          int64  `gorm:"primaryKey"`
	SubjectKind string `gorm:"column:subject_kind"`
	SubjectID   string `gorm:"column:subject_id"`
	Type        string
	Actor       string
	Role        string
	At          time.Time
	Fields      []string `gorm:"serializer:json"`
}

// TableName names the table.
func (ProfileChange) TableName() string { return "profile_changes" }

// ListProfileChanges returns a brand's or creator's changes in order, after the change
// afterID, at most limit rows.
func (s *Store) ListProfileChanges(ctx context.Context, kind, id string, afterID int64, limit int) ([]ProfileChange, error) {
	var out []ProfileChange
	err := s.db.WithContext(ctx).Where("subject_kind = ? AND subject_id = ? AND id > ?", kind, id, afterID).
		Order("id").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// recordChange appends a change to the trail, in the caller's transaction.
func recordChange(tx *gorm.DB, kind, id, typ string, by Actor, at time.Time, fields []string) error {
	return tx.Create(&ProfileChange{SubjectKind: kind, SubjectID: id, Type: typ, Actor: by.Sub, Role: by.Role,
		At: at.UTC(), Fields: fields}).Error
}

// columnChanges are the columns an update sets because their value differs from the row's,
// by name: the API's member names, which are the columns' names.
type columnChanges struct {
	cols   map[string]any
	fields []string
}

// set changes column to v.
func (c *columnChanges) set(column string, v any) {
	if c.cols == nil {
		c.cols = map[string]any{}
	}
	c.cols[column] = v
	c.fields = append(c.fields, column)
}

// updateProfile is an edit of a brand or creator (model, a *Brand or *Creator) in one
// transaction: it locks and reads the row into model, asks changes which columns would take
// a new value, and when any would, sets them and updated_at, appends the change to the trail
// and reads the row back into model. An edit that would set every column to the value it
// has changes nothing, updated_at included, and records nothing. Taking the row's lock
// before the trail's insert orders a subject's changes by id as they commit.
func (s *Store) updateProfile(ctx context.Context, kind string, model any, id string, by Actor,
	changes func() columnChanges) error {
	defer s.writing()()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(model).Error; err != nil {
			return err
		}
		ch := changes()
		if len(ch.fields) == 0 {
			return nil
		}
		now := time.Now().UTC()
		ch.cols["updated_at"] = now
		res := tx.Model(model).Where("id = ?", id).Updates(ch.cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := recordChange(tx, kind, id, ChangeUpdated, by, now, ch.fields); err != nil {
			return err
		}
		return tx.Where("id = ?", id).Take(model).Error
	})
	return translate(err)
}

// sameJSON reports whether two JSON documents hold the same value: PostgreSQL gives JSONB
// back with its own spacing, so the bytes differ where the values do not.
func sameJSON(a, b JSON) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
