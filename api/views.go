package api

import (
	"encoding/json"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// A partnership's state document and audit trail hold everything; what one party may not see
// is taken out when they are served:
//   - contract.signing_urls: a signing URL is a capability to sign as its signer (the provider
//     asks for nothing else), so a creator is given only the creator's, a brand manager only
//     the brand's, finance neither, and admins both (to help a signer who lost theirs);
//   - the vetting decision's note and who made it are the brand's internal assessment: a
//     creator sees the decision and the report on their own accounts, not the note nor the
//     brand user who decided (in the state, or in the vetting_decided and vetting_rejected
//     events, whose actor is empty for them).

// stateView is the state document raw as the caller may see it: raw itself when it holds
// nothing to take out (no signing URL of the other party, no vetting note for a creator),
// which is most of a partnership's life, so most answers are sent as stored.
func stateView(id auth.Identity, raw []byte) ([]byte, error) {
	if id.Role == partnership.RoleAdmin {
		return raw, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	contractEdited, err := editObject(doc, "contract", func(contract map[string]json.RawMessage) (bool, error) {
		return editSigningURLs(contract, signerOf(id.Role))
	})
	if err != nil {
		return nil, err
	}
	vettingEdited := false
	if id.Role == partnership.RoleCreator {
		vettingEdited, err = editObject(doc, "vetting", func(v map[string]json.RawMessage) (bool, error) {
			_, noted := v["note"]
			delete(v, "note")
			if by, ok := v["decided_by"]; ok && string(by) != `""` {
				v["decided_by"], noted = json.RawMessage(`""`), true
			}
			return noted, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if !contractEdited && !vettingEdited {
		return raw, nil
	}
	return json.Marshal(doc)
}

// signerOf is the contract signer whose signing URL role may see ("" for none).
func signerOf(role string) string {
	switch role {
	case partnership.RoleCreator:
		return "creator"
	case partnership.RoleBrandManager:
		return "brand"
	}
	return ""
}

// editSigningURLs keeps only signer's URL in the contract's signing_urls (null stays null),
// and reports whether it took any out.
func editSigningURLs(contract map[string]json.RawMessage, signer string) (bool, error) {
	raw, ok := contract["signing_urls"]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	var urls map[string]string
	if err := json.Unmarshal(raw, &urls); err != nil {
		return false, err
	}
	kept := map[string]string{}
	if u, ok := urls[signer]; ok && signer != "" {
		kept[signer] = u
	}
	if len(kept) == len(urls) {
		return false, nil
	}
	out, err := json.Marshal(kept)
	contract["signing_urls"] = out
	return true, err
}

// editObject applies edit to the JSON object doc[key], when there is one, and writes it back
// when edit reports a change.
func editObject(doc map[string]json.RawMessage, key string, edit func(map[string]json.RawMessage) (bool, error)) (bool, error) {
	raw, ok := doc[key]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return false, err
	}
	changed, err := edit(obj)
	if err != nil || !changed {
		return false, err
	}
	out, err := json.Marshal(obj)
	doc[key] = out
	return true, err
}

// eventView shows an audit event as the caller may see it: a creator's copies of the vetting
// decision and of the rejection that ends it name no brand user and carry no note.
func eventView(id auth.Identity, e *store.Event) error {
	if id.Role != partnership.RoleCreator || (e.Type != "vetting_decided" && e.Type != "vetting_rejected") {
		return nil
	}
	e.Actor = ""
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return nil
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	delete(d, "note")
	out, err := json.Marshal(d)
	e.Data = out
	return err
}

// viewName names the caller's view of a partnership in its ETag: the views differ, so a tag
// must not match another view's document.
func viewName(role string) string {
	if role == partnership.RoleAdmin {
		return "all"
	}
	return role
}
