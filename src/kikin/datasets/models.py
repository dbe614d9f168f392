"""Research data of the fund's themes and of the data platforms (研究データ).

- Data management plans (データマネジメントプラン), versioned, one per award, asked for at award and
  shown at each stage gate; IP committees (知財委員会) of contract themes with their members and
  decisions (000_628dcc7e01f6f899.txt lines 5337–5359).
- Data platforms: those of the data-platform programs (plan files of kind ``data_platform``,
  004_f50760bfabd8ff0a.txt lines 134–234), a theme's own platform (linked to its award, 000 lines
  1795–1890) and GENIAC's data-use demonstrations (001_5b63cb13367a1d27.txt lines 240–258,
  4121–4143): members by sector, data manager and its changes, the ministry's instructions on
  linking platforms, storage funding after the project, users' feedback; for a shared-facility
  platform its sites, facilities, their uses and the data they create, against the plan's KPIs.
- A dataset registry: metadata in DataCite kernel 4 / JPCOAR terms, a persistent identifier, an
  access level (open, shared under written conditions, closed, embargoed until a date), licence,
  files in the file store or at external locations with their SHA-256 checksums.
- Access requests decided on the written conditions alone; every grant, refusal and download
  in an append-only log (`AccessEvent`).
- A search index over datasets, proposals and adoptions (`SearchEntry`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation
from kikin.awards.models import Award
from kikin.core.fields import ClockStamp
from kikin.programs.models import Program

USER = settings.AUTH_USER_MODEL


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("this log is append-only")

    def delete(self):
        raise PermissionError("this log is append-only")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("this log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("this log is append-only")


# ---------------------------------------------------------------------------------------------
# Data management plans and IP committees


class AccessLevel(models.TextChoices):
    """The open-and-close strategy (our reading of 004 lines 153 and 203)."""

    OPEN = "open", _("Open")
    SHARED = "shared", _("Shared under written conditions")
    CLOSED = "closed", _("Closed")
    EMBARGOED = "embargoed", _("Embargoed until a date")


class DataManagementPlan(models.Model):
    """The data management plan of one award (データマネジメントプラン); its content is in versions."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="data_plan")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("data management plan")
        verbose_name_plural = _("data management plans")

    def __str__(self):
        return f"DMP {self.award.number}"


class DataManagementPlanVersion(models.Model):
    """One submitted version of a plan, never changed afterwards (the fields the ministry's data
    management guideline asks for: which data, who manages it, access policy, retention,
    publication; 000 line 5349)."""

    plan = models.ForeignKey(DataManagementPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    data_description = models.TextField(_("data to be produced or collected"))
    data_types = models.CharField(_("kinds and formats of data"), max_length=300, blank=True)
    volume = models.CharField(_("expected volume"), max_length=100, blank=True)
    manager_name = models.CharField(_("data manager (person)"), max_length=100)
    manager_organisation = models.CharField(_("data manager (organisation)"), max_length=200)
    access_policy = models.CharField(_("access policy"), max_length=10, choices=AccessLevel.choices)
    access_policy_note = models.TextField(_("reasons and conditions of the policy"), blank=True)
    retention = models.CharField(_("retention"), max_length=200)
    publication = models.TextField(_("publication plan"))
    storage = models.CharField(_("where the data is kept"), max_length=300, blank=True)
    metadata_standard = models.CharField(
        _("metadata standard"), max_length=100, blank=True, default="DataCite / JPCOAR"
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_dmp_version_number")
        ]
        verbose_name = _("data management plan version")
        verbose_name_plural = _("data management plan versions")


class IPCommittee(models.Model):
    """知財委員会 of a contract theme, or of one research item in it (000 lines 5350–5357)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="ip_committees")
    scope = models.CharField(
        _("research item"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty for a committee of the whole theme."),
    )
    established_on = models.DateField(_("established on"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["award", "scope"], name="one_ip_committee_per_scope")
        ]
        verbose_name = _("IP committee")
        verbose_name_plural = _("IP committees")


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    AGENCY = "agency", _("Agency (advice and guidance)")


class IPCommitteeMember(models.Model):
    committee = models.ForeignKey(IPCommittee, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=100)
    affiliation = models.CharField(_("affiliation"), max_length=200)
    role = models.CharField(_("role"), max_length=8, choices=CommitteeRole.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["committee", "role", "name"]


class IPDecisionKind(models.TextChoices):
    PUBLICATION = "publication", _("Publishing a paper")
    FILING = "filing", _("Filing a patent or other right")
    MAINTENANCE = "maintenance", _("Keeping or dropping a right")
    LICENSING = "licensing", _("Coordinating a licence")
    POLICY = "policy", _("IP policy")
    OTHER = "other", _("Other")


class IPCommitteeDecision(models.Model):
    committee = models.ForeignKey(IPCommittee, on_delete=models.PROTECT, related_name="decisions")
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("subject"), max_length=12, choices=IPDecisionKind.choices)
    summary = models.TextField(_("decision"))
    agency_advice = models.TextField(_("agency's advice and guidance"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["committee", "-held_on", "-id"]


# ---------------------------------------------------------------------------------------------
# Data platforms


class DataPlatform(models.Model):
    """A shared-data platform: of a data-platform program (from its plan file), of a theme (linked
    to its award) or of a GENIAC data-use demonstration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    summary_ja = models.TextField(_("summary (Japanese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="data_platforms"
    )
    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, null=True, blank=True, related_name="data_platforms"
    )
    data_manager = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_platforms",
        verbose_name=_("data manager"),
    )
    conditions = models.JSONField(_("written conditions of use"), default=list, blank=True)
    access_levels = models.JSONField(_("access levels"), default=list, blank=True)
    functions = models.JSONField(_("functions"), default=list, blank=True)
    secure_analysis = models.BooleanField(_("secure analysis environment"), default=False)
    instruments_min = models.PositiveIntegerField(_("shared instruments (plan)"), null=True)
    support_staff = models.PositiveIntegerField(_("support staff (plan)"), null=True)
    institutions = models.PositiveIntegerField(_("institutions (plan)"), null=True)
    storage_committed = models.BooleanField(
        _("the data manager pays for storage after the project"), default=False
    )
    storage_commitment = models.TextField(_("storage commitment"), blank=True)
    framework = models.CharField(_("data management framework"), max_length=300, blank=True)
    security_note = models.TextField(_("security"), blank=True)
    source = models.CharField(_("source document"), max_length=100, blank=True)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data platform")
        verbose_name_plural = _("data platforms")

    def __str__(self):
        return self.name_ja


class Tier(models.TextChoices):
    CENTER_HUB = "center_hub", _("Central hub")
    HUB = "hub", _("Hub")
    SPOKE = "spoke", _("Spoke")


class PlatformTier(models.Model):
    """How many sites of a kind the plan foresees (1 central hub, 5 hubs, 19 spokes: 004 l.147)."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.CASCADE, related_name="tiers")
    kind = models.CharField(_("kind of site"), max_length=12, choices=Tier.choices)
    count = models.PositiveIntegerField(_("sites (plan)"))
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "kind"], name="one_tier_per_kind")
        ]


class PlatformComponent(models.Model):
    platform = models.ForeignKey(DataPlatform, on_delete=models.CASCADE, related_name="components")
    code = models.SlugField(_("code"), max_length=40)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    role = models.CharField(_("role"), max_length=20)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        ordering = ["platform", "seed_line"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "code"], name="one_component_code")
        ]


class Metric(models.TextChoices):
    FACILITY_USES = "facility_uses", _("Uses of the shared facilities")
    DATA_ITEMS_CREATED = "data_items_created", _("Data items created")


class PlatformKpi(models.Model):
    """An outcome figure of the plan: `metric` over `fiscal_year` at least `target`."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.CASCADE, related_name="kpis")
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    target = models.BigIntegerField(_("target"))
    comparison = models.CharField(_("comparison"), max_length=12, default="at_least")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    period_ja = models.CharField(_("period (Japanese)"), max_length=100)
    period_en = models.CharField(_("period (English)"), max_length=100)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        ordering = ["platform", "fiscal_year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "metric", "fiscal_year"], name="one_kpi_per_metric_year"
            )
        ]


class Sector(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    ACADEMIA = "academia", _("Academia")
    PUBLIC = "public", _("Government and public bodies")


class PlatformMember(models.Model):
    """An organisation taking part in a platform (産業界と学術界が広く参加, 000 lines 1858–1860)."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    joined_on = models.DateField(_("joined on"))

    class Meta:
        ordering = ["platform", "sector", "organisation__name_ja"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "organisation"], name="one_membership_per_platform"
            )
        ]


class Hub(models.Model):
    """A site of a shared-facility platform: the central hub, a hub or a spoke."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.CASCADE, related_name="hubs")
    kind = models.CharField(_("kind of site"), max_length=12, choices=Tier.choices)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="spokes"
    )

    class Meta:
        ordering = ["platform", "kind", "name_ja"]
        constraints = [models.UniqueConstraint(fields=["platform", "name_ja"], name="one_hub_name")]

    def __str__(self):
        return self.name_ja


class SharedFacility(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="facilities")
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    instruments = models.PositiveIntegerField(_("instruments"), default=1)

    class Meta:
        ordering = ["hub", "name_ja"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name_ja"], name="one_facility_name_per_hub")
        ]

    def __str__(self):
        return self.name_ja


class FacilityUse(models.Model):
    """Uses of a facility in a fiscal year by one sector (産学官の活用件数, 004 line 190)."""

    facility = models.ForeignKey(SharedFacility, on_delete=models.CASCADE, related_name="uses")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    uses = models.PositiveIntegerField(_("uses"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "fiscal_year", "sector"], name="one_use_count_per_year"
            )
        ]
        indexes = [models.Index(fields=["fiscal_year"])]


class DataCreation(models.Model):
    """Data items a site created in a fiscal year (データ創出件数, 004 line 191)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="creations")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    items = models.BigIntegerField(_("data items created"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "fiscal_year"], name="one_creation_per_year"),
            models.CheckConstraint(condition=models.Q(items__gte=0), name="creation_not_negative"),
        ]


class InstructionState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    CONSULTED = "consulted", _("Consulted")
    FOLLOWED = "followed", _("Followed")


class LinkInstruction(models.Model):
    """The ministry's instruction on linking with another platform, the consultation, and its
    following (000 lines 1861–1863)."""

    platform = models.ForeignKey(
        DataPlatform, on_delete=models.PROTECT, related_name="instructions"
    )
    issued_on = models.DateField(_("issued on"))
    other_platform = models.CharField(_("platform to link with"), max_length=300)
    instruction = models.TextField(_("instruction"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=10, choices=InstructionState.choices, default="issued"
    )
    consulted_on = models.DateField(_("consulted on"), null=True, blank=True)
    consultation_note = models.TextField(_("consultation"), blank=True)
    followed_on = models.DateField(_("followed on"), null=True, blank=True)
    followed_note = models.TextField(_("how it was followed"), blank=True)

    class Meta:
        ordering = ["platform", "-issued_on", "-id"]


class DataManagerChange(models.Model):
    platform = models.ForeignKey(
        DataPlatform, on_delete=models.PROTECT, related_name="manager_changes"
    )
    previous = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField(_("changed on"))
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["platform", "-changed_on", "-id"]


class Payer(models.TextChoices):
    FUND = "fund", _("The fund (during the project)")
    DATA_MANAGER = "data_manager", _("The data manager")


class StorageFunding(models.Model):
    """Who paid for storing and supplying a platform's data in a fiscal year (000 l. 1864–1870)."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.PROTECT, related_name="storage")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    payer = models.CharField(_("paid by"), max_length=12, choices=Payer.choices)
    amount_yen = models.BigIntegerField(_("amount (yen)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["platform", "fiscal_year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_yen__gte=0), name="storage_amount_not_negative"
            )
        ]


class Feedback(models.Model):
    """A data user's feedback and the platform's answer (001 lines 4141–4143)."""

    platform = models.ForeignKey(DataPlatform, on_delete=models.PROTECT, related_name="feedback")
    dataset = models.ForeignKey(
        "Dataset", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("feedback"))
    submitted_at = ClockStamp(auto_now_add=True)
    response = models.TextField(_("answer"), blank=True)
    responded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["platform", "-submitted_at", "-id"]


# ---------------------------------------------------------------------------------------------
# Datasets


class DatasetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC0 = "CC0-1.0", "CC0 1.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
    ODBL = "ODbL-1.0", "ODbL 1.0"
    CONDITIONS = "LicenseRef-conditions", _("Use under the written conditions")
    RESERVED = "LicenseRef-reserved", _("All rights reserved")


LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}


class Dataset(models.Model):
    """A dataset's metadata (DataCite kernel 4: identifier, creators, titles, publisher,
    publication year, resource type, subjects, descriptions, language, version, rights, funding
    reference), its access level and written conditions of use."""

    identifier = models.CharField(_("identifier"), max_length=40, unique=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name=_("managing organisation"),
    )
    platform = models.ForeignKey(
        DataPlatform,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="datasets",
        verbose_name=_("data platform"),
    )
    award = models.ForeignKey(
        Award,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="datasets",
        verbose_name=_("award (funding)"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="datasets"
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    creators = models.JSONField(_("creators"), default=list)
    publisher = models.CharField(_("publisher"), max_length=300)
    publication_year = models.PositiveSmallIntegerField(_("publication year"), null=True)
    subjects = models.JSONField(_("keywords"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ja")
    resource_type = models.CharField(_("resource type"), max_length=100, blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)
    access_level = models.CharField(
        _("access level"), max_length=10, choices=AccessLevel.choices, db_index=True
    )
    embargo_until = models.DateField(_("embargoed until"), null=True, blank=True)
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices)
    conditions = models.JSONField(_("written conditions of use"), default=list, blank=True)
    conditions_version = models.PositiveIntegerField(_("conditions version"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=DatasetState.choices, default=DatasetState.DRAFT
    )
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    modified_at = models.DateTimeField(_("last changed"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-modified_at", "-id"]
        indexes = [
            models.Index(fields=["modified_at", "id"], name="dataset_datestamp"),
            models.Index(fields=["state", "id"], name="dataset_state_id"),
            models.Index(fields=["organisation", "state"], name="dataset_org_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"], condition=~models.Q(doi=""), name="one_dataset_per_doi"
            ),
            models.CheckConstraint(
                condition=~models.Q(access_level="embargoed")
                | models.Q(embargo_until__isnull=False),
                name="embargo_has_date",
            ),
        ]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self):
        return f"{self.identifier} {self.title_ja}"

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")


def dataset_file_path(instance, filename):
    return f"datasets/{instance.dataset.identifier}/{filename}"


class FileStatus(models.TextChoices):
    OK = "ok", _("Checksum verified")
    MISMATCH = "mismatch", _("Checksum does not match")
    MISSING = "missing", _("File missing")
    UNREACHABLE = "unreachable", _("Location unreachable")
    NOT_FETCHED = "not_fetched", _("Not fetched (host not allowed)")


class DatasetFile(models.Model):
    """A file of a dataset: in the shared file store (`file`) or at an external location (`url`),
    with the SHA-256 it must have."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=dataset_file_path, max_length=500, blank=True)
    url = models.URLField(_("external location"), max_length=1000, blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    content_type = models.CharField(_("format"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=FileStatus.choices)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url=""))
                | (~models.Q(file="") & models.Q(url="")),
                name="file_in_store_or_external",
            ),
            models.UniqueConstraint(fields=["dataset", "name"], name="one_file_name_per_dataset"),
        ]
        indexes = [models.Index(fields=["last_verified_at"], name="file_last_verified")]

    def __str__(self):
        return self.name

    @property
    def is_external(self) -> bool:
        return bool(self.url)


class CheckTrigger(models.TextChoices):
    UPLOAD = "upload", _("On upload")
    SCHEDULE = "schedule", _("Scheduled")


class ChecksumCheck(AppendOnly):
    file = models.ForeignKey(DatasetFile, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    trigger = models.CharField(max_length=10, choices=CheckTrigger.choices)
    status = models.CharField(max_length=12, choices=FileStatus.choices)
    observed_sha256 = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["file", "-checked_at", "-id"]


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the data manager's check")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AccessRequest(models.Model):
    """A request for shared data: the conditions the requester accepted (as written when asked),
    the two declarations of the exclusion rule, and the data manager's check of each condition."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.TextField(_("purpose of use"))
    conditions_version = models.PositiveIntegerField()
    conditions_snapshot = models.JSONField(default=list)
    declares_compliance = models.BooleanField(
        _("complies with Japanese law and international norms, past conduct included"),
        default=False,
    )
    declares_no_foreign_influence = models.BooleanField(
        _("its cyber security is not subject to foreign legal influence"), default=False
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default="submitted"
    )
    checks = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=24, blank=True)
    outcome_details = models.JSONField(default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "requester"],
                condition=models.Q(state="submitted"),
                name="one_open_request_per_requester",
            )
        ]
        indexes = [models.Index(fields=["dataset", "requester", "state"])]


class EventKind(models.TextChoices):
    GRANTED = "granted", _("Access granted")
    REFUSED = "refused", _("Access refused")
    DOWNLOADED = "downloaded", _("Downloaded")
    DOWNLOAD_REFUSED = "download_refused", _("Download refused")


class AccessEvent(AppendOnly):
    """One grant, refusal or download, never changed or removed."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="events")
    file = models.ForeignKey(
        DatasetFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dataset", "at"])]


class ExcludedParty(models.Model):
    """A party recorded as one to whom no data is supplied (国際基準不遵守等事業者, 000 lines
    1874–1880), with the basis; lifted, not deleted."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = ClockStamp(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | models.Q(user__isnull=False),
                name="excluded_party_named",
            )
        ]


# ---------------------------------------------------------------------------------------------
# Search


class TsVectorField(models.Field):
    """PostgreSQL's tsvector (a text column elsewhere, never filled there)."""

    description = "full-text search vector"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchKind(models.TextChoices):
    DATASET = "dataset", _("Dataset")
    PROPOSAL = "proposal", _("Proposal")
    ADOPTION = "adoption", _("Adopted theme")


class SearchEntry(models.Model):
    """One searchable thing: its words as SudachiPy tokens (`tokens`) and, on PostgreSQL, the
    same as a tsvector (`vector`, GIN-indexed). `public` entries are for everyone; the others are
    filtered by who may read the thing (see `selectors.search`)."""

    kind = models.CharField(max_length=10, choices=SearchKind.choices)
    object_id = models.BigIntegerField()
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, related_name="+"
    )
    public = models.BooleanField(default=False)
    title = models.CharField(max_length=500)
    title_en = models.CharField(max_length=500, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=64, blank=True)
    tokens = models.TextField()
    vector = TsVectorField(null=True, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_search_entry")
        ]
