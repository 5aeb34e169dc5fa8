package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreatorAccount is one social account a creator registered, indexed so that the creators
// who registered the same account are found at once (migration 11). A creator's accounts are
// fixed once created (UpdateCreator refuses them), so the rows are written with the creator,
// in its transaction, and never change.
type CreatorAccount struct {
	Platform string `gorm:"primaryKey"`
	// HandleKey is the handle as HandleKey compares it.
	HandleKey string `gorm:"primaryKey"`
	CreatorID string `gorm:"primaryKey"`
}

// TableName names the table.
func (CreatorAccount) TableName() string { return "creator_accounts" }

// HandleKey is a handle as accounts are compared: without the spaces around it and a leading
// @, and with its case folded as strings.EqualFold folds it, which is how post verification
// matches a post's author to the creator's handle. "@Maya.Runs" and "maya.runs" are one
// account; two handles have the same key exactly when EqualFold calls them equal.
func HandleKey(handle string) string {
	return strings.Map(foldRune, strings.TrimPrefix(strings.TrimSpace(handle), "@"))
}

// foldRune maps every rune of one case-folding orbit (unicode.SimpleFold, what EqualFold
// compares by) to the same member of it: the smallest lower-case one, or the smallest when
// none is lower case. For ASCII that is the lower-case letter.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	lowest, lowestLower := r, rune(-1)
	for f := r; ; {
		lowest = min(lowest, f)
		if unicode.IsLower(f) && (lowestLower < 0 || f < lowestLower) {
			lowestLower = f
		}
		if f = unicode.SimpleFold(f); f == r {
			break
		}
	}
	if lowestLower >= 0 {
		return lowestLower
	}
	return lowest
}

// normalizePlatform is a platform as the rows hold it.
func normalizePlatform(p string) string { return strings.ToLower(strings.TrimSpace(p)) }

// registeredAccount is one element of Creator.Accounts as the API writes it.
type registeredAccount struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

// creatorAccountRows returns the rows of the accounts a creator registered (null or [] is
// none), each account once. A document that is not a list of accounts, or an account without
// a platform or handle, is an error naming it; the rows of the valid accounts come back with
// it, for the migration, which keeps what it can of rows written before.
func creatorAccountRows(creatorID string, accounts JSON) ([]CreatorAccount, error) {
	var list []registeredAccount
	if len(accounts) > 0 {
		if err := json.Unmarshal(accounts, &list); err != nil {
			return nil, fmt.Errorf("store: creator %s: accounts are not a list of {platform, handle}: %w", creatorID, err)
		}
	}
	var rows []CreatorAccount
	var errs []error
	seen := map[CreatorAccount]bool{}
	for i, a := range list {
		row := CreatorAccount{Platform: normalizePlatform(a.Platform), HandleKey: HandleKey(a.Handle), CreatorID: creatorID}
		if row.Platform == "" || row.HandleKey == "" {
			errs = append(errs, fmt.Errorf("store: creator %s: account %d needs a platform and a handle", creatorID, i))
			continue
		}
		if !seen[row] {
			seen[row] = true
			rows = append(rows, row)
		}
	}
	return rows, errors.Join(errs...)
}

// createCreator inserts a creator, the accounts it registered (creator_accounts) and the
// record of its creation by by, in one transaction. Accounts that do not read change nothing.
func (s *Store) createCreator(ctx context.Context, c *Creator, by Actor, fields []string) error {
	rows, err := creatorAccountRows(c.ID, c.Accounts)
	if err != nil {
		return err
	}
	at := c.CreatedAt
	if at.IsZero() {
		at = time.Now().UTC()
	}
	defer s.writing()()
	return translate(s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		return recordChange(tx, SubjectCreator, c.ID, ChangeCreated, by, at, fields)
	}))
}

// CreatorsWithAccount returns the ids of the creators who registered the account handle on
// platform (compared as HandleKey compares handles), at most limit of them, in id order. Every
// brand's creators count: whoever registers someone else's account to be paid for their posts
// does it under any brand.
func (s *Store) CreatorsWithAccount(ctx context.Context, platform, handle string, limit int) ([]string, error) {
	if limit < 1 {
		return nil, fmt.Errorf("store: creators with an account: limit %d is not positive", limit)
	}
	ids := []string{}
	err := s.db.WithContext(ctx).Model(&CreatorAccount{}).
		Where("platform = ? AND handle_key = ?", normalizePlatform(platform), HandleKey(handle)).
		Order(clause.OrderByColumn{Column: clause.Column{Name: "creator_id"}}).Limit(limit).
		Pluck("creator_id", &ids).Error
	return ids, translate(err)
}
