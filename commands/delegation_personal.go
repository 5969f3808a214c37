package commands

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // a nominee's photo decodes as JPEG or PNG
	_ "image/png"
	"io"
	"slices"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/internal/filestore"
)

// A nominee's personal data (PIPL, seed 004 part 8): the photo is an upload
// checked to be an image; only the nominee's unit and the organiser read
// the personal fields (domain.KindNomineePersonal), and every answer masks
// the ID number.

// fileOpener reads an upload's content (the photo's image check, the
// registration form's photo).
type fileOpener interface {
	Open(ctx context.Context, id uuid.UUID) (io.ReadCloser, filestore.File, error)
}

// fileDeleter removes an upload for good (a person's erasure).
type fileDeleter interface {
	Delete(ctx context.Context, id uuid.UUID) error
}

// Photo bounds: big enough for a registration form, not a poster.
const (
	minPhotoSide = 100
	maxPhotoSide = 6000
)

// checkPhoto refuses a photo that is not an upload of the actor's of kind
// nominee_photo, does not match it as stored, or does not decode as a JPEG
// or PNG image of sensible size (R-DEL-02). A photo the nominee already has
// is not checked again (another administrator of the unit edits).
func (a *App) checkPhoto(ctx context.Context, actor domain.Actor, held, p delegation.Photo) error {
	if p.IsZero() || p == held {
		return nil
	}
	var pr domain.Problems
	const path, rule = "profile.photo", "R-DEL-02"
	if a.files == nil {
		pr.Add(path+".id", rule, "uploads are not available", "文件上传暂不可用")
		return pr.Err()
	}
	f, err := a.files.Stat(ctx, p.ID)
	switch {
	case errors.Is(err, filestore.ErrNotFound), err == nil && f.OwnerID != actor.UserID:
		pr.Add(path+".id", rule, "no such upload of yours; upload the photo first (kind nominee_photo)", "未找到您上传的照片，请先上传")
		return pr.Err()
	case err != nil:
		return err
	case f.Kind != filestore.NomineePhoto.Name:
		pr.Add(path+".id", rule, fmt.Sprintf("the upload is a %s, not a nominee_photo", f.Kind), "该文件不是被推荐人照片")
		return pr.Err()
	case f.SHA256 != p.SHA256 || f.Size != p.Size || f.ContentType != p.ContentType:
		pr.Add(path+".sha256", rule, "does not match the stored upload (hash, size or type)", "与已上传照片的哈希、大小或类型不符")
		return pr.Err()
	}
	o, ok := a.files.(fileOpener)
	if !ok {
		return nil
	}
	rc, _, err := o.Open(ctx, p.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	cfg, format, err := image.DecodeConfig(rc)
	switch {
	case err != nil:
		pr.Add(path+".id", rule, "the photo does not decode as a JPEG or PNG image", "照片无法识别为JPEG或PNG图像")
	case format != "jpeg" && format != "png":
		pr.Add(path+".id", rule, "the photo must be JPEG or PNG", "照片须为JPEG或PNG格式")
	case cfg.Width < minPhotoSide || cfg.Height < minPhotoSide || cfg.Width > maxPhotoSide || cfg.Height > maxPhotoSide:
		pr.Add(path+".id", rule, fmt.Sprintf("the photo is %dx%d pixels; each side must be %d to %d", cfg.Width, cfg.Height, minPhotoSide, maxPhotoSide),
			fmt.Sprintf("照片为%d×%d像素，边长须在%d至%d像素之间", cfg.Width, cfg.Height, minPhotoSide, maxPhotoSide))
	}
	return pr.Err()
}

// NomineeView is a nominee as an answer shows it: the personal fields only
// to those who may read them (Personal true), the ID number masked
// always; the age at the congress's reference date with them.
type NomineeView struct {
	delegation.Nominee
	Personal bool `json:"personal"`
	Age      *int `json:"age,omitempty"`
}

// viewNominee is n as actor may see it in a delegation of scope s.
func viewNominee(actor domain.Actor, s domain.Scope, n delegation.Nominee, ref domain.Date) NomineeView {
	if !domain.Allows(actor, domain.KindNomineePersonal, domain.Read, s) {
		return NomineeView{Nominee: withoutPersonal(n)}
	}
	n.Profile.IDNumber = delegation.MaskID(n.Profile.IDNumber)
	v := NomineeView{Nominee: n, Personal: true}
	if !n.BirthDate.IsZero() {
		age := delegation.AgeAt(n.BirthDate, ref)
		v.Age = &age
	}
	return v
}

// withoutPersonal is n without its personal fields (name, birth date,
// the three pages' details, attachments), as a reader not allowed them
// sees it.
func withoutPersonal(n delegation.Nominee) delegation.Nominee {
	n.Name, n.BirthDate, n.Profile, n.Attachments = "", domain.Date{}, delegation.Profile{}, nil
	return n
}

// filesOf are the uploads a nominee's record refers to: the photo and the
// attachments.
func filesOf(n delegation.Nominee) []uuid.UUID {
	var ids []uuid.UUID
	if n.Profile.Photo.ID != uuid.Nil {
		ids = append(ids, n.Profile.Photo.ID)
	}
	for _, f := range n.Attachments {
		ids = append(ids, f.ID)
	}
	return ids
}

// DelegationRefersToFile reports whether a nominee of the unit's
// delegation refers to the file and the actor may read that nominee's
// personal fields.
func (a *App) DelegationRefersToFile(ctx context.Context, actor domain.Actor, congressID, unit, fileID uuid.UUID) (bool, error) {
	d, _, _, scope, err := a.readDelegation(ctx, actor, congressID, unit)
	if err != nil {
		return false, err
	}
	if !domain.Allows(actor, domain.KindNomineePersonal, domain.Read, scope) {
		return false, nil
	}
	for _, n := range d.Nominees() {
		if slices.Contains(filesOf(n), fileID) {
			return true, nil
		}
	}
	return false, nil
}
