# Labels keep the curly apostrophes, full-width commas and letters that real pages use.
# ruff: noqa: RUF001
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler import consent
from crawler.consent import (
    PURPOSE_IDS,
    Classification,
    Lexicon,
    LexiconError,
    default_lexicon,
    is_bundled,
    normalise,
)

LANGUAGES = ("de", "en", "es", "fr", "it", "ja", "ko", "nl", "pt", "zh-Hans", "zh-Hant")

# (language, label, expected purposes): each must be classified as consent.
CONSENT_LABELS: list[tuple[str, str, tuple[str, ...]]] = [
    ("en", "I agree to the Terms of Service and Privacy Policy", ("terms",)),
    ("en", "I'd like to receive news and exclusive offers from Acme by email", ("marketing",)),
    ("en", "Share my personal information with Acme's trusted partners", ("sharing",)),
    ("en", "I consent to a soft credit check with Experian", ("credit",)),
    ("en", "Allow access to my precise location", ("location",)),
    ("en", "A sales representative may contact me by phone", ("contact",)),
    ("en", "Performance cookies", ("analytics",)),
    ("en", "Targeting cookies", ("personalised-ads",)),
    ("en", "Functional cookies", ()),
    ("en", "Yes, I consent", ()),
    ("de", "Ich habe die AGB und die Datenschutzerklärung gelesen und akzeptiere sie.", ("terms",)),
    ("de", "Ja, ich möchte den Newsletter per E-Mail erhalten.", ("marketing",)),
    ("de", "Ich willige in die Weitergabe meiner Daten an Partnerunternehmen ein.", ("sharing",)),
    ("de", "Ich stimme einer Bonitätsprüfung durch die SCHUFA zu.", ("credit",)),
    ("de", "Statistik-Cookies", ("analytics",)),
    ("de", "Personalisierte Werbung", ("personalised-ads",)),
    ("de", "Standortdaten verwenden", ("location",)),
    ("de", "Ich möchte telefonisch beraten werden", ("contact",)),
    ("de", "Einwilligung", ()),
    ("fr", "J’accepte les conditions générales d’utilisation", ("terms",)),
    (
        "fr",
        "J'accepte de recevoir les offres commerciales de nos partenaires",
        ("marketing", "sharing"),
    ),
    ("fr", "Cookies de mesure d'audience", ("analytics",)),
    ("fr", "Publicité personnalisée", ("personalised-ads",)),
    ("fr", "J'accepte d'être contacté par un conseiller par téléphone", ("contact",)),
    ("fr", "Autoriser l'accès à ma position", ("location",)),
    ("es", "Acepto los términos y condiciones y la política de privacidad", ("terms",)),
    ("es", "Deseo recibir comunicaciones comerciales por correo electrónico", ("marketing",)),
    ("es", "Autorizo la cesión de mis datos a empresas del grupo", ("sharing",)),
    ("es", "Autorizo la consulta de mi historial crediticio en el buró de crédito", ("credit",)),
    ("es", "Cookies analíticas", ("analytics",)),
    ("es", "Publicidad personalizada", ("personalised-ads",)),
    ("it", "Ho letto e accetto i termini e condizioni", ("terms",)),
    ("it", "Acconsento al trattamento dei dati per finalità di marketing", ("marketing",)),
    ("it", "Acconsento alla comunicazione dei miei dati a terzi", ("sharing",)),
    ("it", "Cookie di profilazione", ("personalised-ads",)),
    ("it", "Acconsento alla verifica del merito creditizio tramite CRIF", ("credit",)),
    ("it", "Cookie statistici", ("analytics",)),
    ("nl", "Ik ga akkoord met de algemene voorwaarden en het privacybeleid", ("terms",)),
    ("nl", "Ja, ik wil de nieuwsbrief ontvangen", ("marketing",)),
    ("nl", "Mijn gegevens delen met partners", ("sharing",)),
    ("nl", "Ik geef toestemming voor een BKR-toetsing", ("credit",)),
    ("nl", "Gepersonaliseerde advertenties", ("personalised-ads",)),
    ("pt", "Li e concordo com os Termos de Uso e a Política de Privacidade", ("terms",)),
    ("pt", "Quero receber novidades e ofertas exclusivas por e-mail", ("marketing",)),
    ("pt", "Autorizo a consulta ao SPC e Serasa", ("credit",)),
    (
        "pt",
        "Autorizo o compartilhamento dos meus dados com parceiros comerciais",
        ("sharing",),
    ),
    ("pt", "Permitir acesso à minha localização", ("location",)),
    ("pt", "Cookies de desempenho", ("analytics",)),
    ("ja", "利用規約とプライバシーポリシーに同意する", ("terms",)),
    ("ja", "メールマガジンを受け取る", ("marketing",)),
    ("ja", "位置情報の利用を許可する", ("location",)),
    ("ja", "パーソナライズ広告を許可", ("personalised-ads",)),
    ("ja", "提携先への個人情報の第三者提供に同意します", ("sharing",)),
    ("ja", "アクセス解析用のcookieを許可", ("analytics",)),
    ("ko", "[필수] 이용약관 동의", ("terms",)),
    ("ko", "[선택] 마케팅 정보 수신 동의", ("marketing",)),
    ("ko", "[선택] 개인정보 제3자 제공 동의", ("sharing",)),
    ("ko", "[선택] 위치기반서비스 이용약관 동의", ("location",)),
    ("ko", "맞춤형 광고 제공 동의", ("personalised-ads",)),
    ("ko", "개인신용정보 조회 동의", ("credit",)),
    ("ko", "[선택] 마케팅 목적의 개인정보 수집 및 이용 동의", ("marketing",)),
    ("ko", "[필수] 개인정보 수집·이용 동의", ()),
    ("zh-Hans", "我已阅读并同意《用户协议》和《隐私政策》", ("terms",)),
    ("zh-Hans", "我同意《芝麻服务协议》，授权芝麻信用获取我的信用信息", ("credit", "terms")),
    ("zh-Hans", "允许获取位置信息", ("location",)),
    ("zh-Hans", "接收个性化推荐", ("personalised-ads",)),
    ("zh-Hans", "同意接收精准营销短信", ("marketing",)),
    ("zh-Hans", "同意将我的信息共享给合作伙伴", ("sharing",)),
    ("zh-Hans", "加入用户体验改进计划", ("analytics",)),
    ("zh-Hant", "我已閱讀並同意《服務條款》與《隱私權政策》", ("terms",)),
    ("zh-Hant", "我同意接收個人化廣告", ("personalised-ads",)),
    ("zh-Hant", "同意將個人資料提供給合作夥伴", ("sharing",)),
    ("zh-Hant", "訂閱電子報，獲得最新優惠", ("marketing",)),
    ("zh-Hant", "授權查詢聯徵中心信用報告", ("credit",)),
    ("zh-Hant", "允許存取位置資訊", ("location",)),
]

# (language, label): each must be classified as not consent. Most contain a word that
# would otherwise count (cookies, agree, allow, terms, confirm) or a lexicon phrase.
NOT_CONSENT_LABELS: list[tuple[str, str]] = [
    ("en", "Remember me"),
    ("en", "Keep me signed in"),
    ("en", "Show password"),
    ("en", "In stock only"),
    ("en", "Free shipping"),
    ("en", "Strictly necessary cookies"),
    ("en", "Essential cookies"),
    ("en", "Allow notifications about my order"),
    ("en", "Email me order status updates"),
    ("en", "Include all search terms"),
    ("en", "I confirm I am 18 or older"),
    ("en", "Partnership"),
    ("en", "Accepts Apple Pay"),
    ("en", "Dark mode"),
    ("de", "Angemeldet bleiben"),
    ("de", "Passwort anzeigen"),
    ("de", "Nur verfügbare Artikel anzeigen"),
    ("de", "Technisch notwendige Cookies"),
    ("de", "Versandkostenfrei"),
    ("de", "Dritte Staffel"),
    ("fr", "Se souvenir de moi"),
    ("fr", "Rester connecté"),
    ("fr", "Cookies strictement nécessaires"),
    ("fr", "Livraison gratuite"),
    ("es", "Recordarme"),
    ("es", "Mostrar contraseña"),
    ("es", "Cookies técnicas"),
    ("es", "Envío gratis"),
    ("it", "Ricordami"),
    ("it", "Mostra password"),
    ("it", "Cookie tecnici"),
    ("it", "Spedizione gratuita"),
    ("nl", "Onthoud mij"),
    ("nl", "Ingelogd blijven"),
    ("nl", "Functionele cookies"),
    ("nl", "Op voorraad"),
    ("pt", "Lembrar de mim"),
    ("pt", "Manter-me conectado"),
    ("pt", "Cookies estritamente necessários"),
    ("pt", "Frete grátis"),
    ("ja", "ログイン状態を保持する"),
    ("ja", "パスワードを表示"),
    ("ja", "送料無料"),
    ("ja", "通知を許可する"),
    ("ko", "로그인 상태 유지"),
    ("ko", "아이디 저장"),
    ("ko", "비밀번호 표시"),
    ("ko", "무료배송"),
    ("zh-Hans", "记住密码"),
    ("zh-Hans", "下次自动登录"),
    ("zh-Hans", "仅看有货"),
    ("zh-Hans", "全选"),
    ("zh-Hans", "允许订单通知"),
    ("zh-Hant", "記住我"),
    ("zh-Hant", "保持登入"),
    ("zh-Hant", "免運費"),
    ("zh-Hant", "全選"),
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


@cache
def _lexicon_files() -> dict[str, Any]:
    folder = resources.files("crawler").joinpath("lexicon")
    files = (f for f in folder.iterdir() if f.name.endswith(".yaml"))
    return {f.name: yaml.safe_load(f.read_text(encoding="utf-8")) for f in files}


def _write(folder: Path, name: str, text: str) -> None:
    (folder / "lexicon").mkdir(exist_ok=True)
    (folder / "lexicon" / name).write_text(text, encoding="utf-8")


@pytest.fixture
def lexicon_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loader at a scratch folder instead of the package's lexicon."""
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    consent._read_files.cache_clear()
    yield tmp_path
    consent._read_files.cache_clear()


GOOD_FILE = """
language: xx
name: Test
purposes:
  terms: [terms]
  consent: [agree]
not_consent: [remember me]
"""


@pytest.mark.parametrize(("language", "label", "purposes"), CONSENT_LABELS)
def test_consent_labels(lexicon: Lexicon, language: str, label: str, purposes: tuple[str, ...]) -> None:
    result = lexicon.classify(label)
    assert result.consent, result
    assert result.purposes == purposes, result
    assert language in result.languages, result


@pytest.mark.parametrize(("language", "label"), NOT_CONSENT_LABELS)
def test_not_consent_labels(lexicon: Lexicon, language: str, label: str) -> None:
    result = lexicon.classify(label)
    assert not result.consent, result
    assert result.purposes == ()


def test_every_language_has_consent_and_not_consent_cases() -> None:
    assert {language for language, _, _ in CONSENT_LABELS} == set(LANGUAGES)
    assert {language for language, _ in NOT_CONSENT_LABELS} == set(LANGUAGES)


def test_alipay_sesame_credit_is_bundled(lexicon: Lexicon) -> None:
    result = lexicon.classify("我同意《芝麻服务协议》，授权芝麻信用获取我的信用信息")
    assert result.consent
    assert {"terms", "credit"} <= set(result.purposes)
    assert "芝麻信用" in result.matched
    assert result.languages == ("zh-Hans",)
    assert is_bundled(result)


def test_terms_and_privacy_policy_alone_is_not_bundled(lexicon: Lexicon) -> None:
    result = lexicon.classify("I agree to the Terms of Service and Privacy Policy")
    assert result.consent
    assert result.purposes == ("terms",)
    assert "privacy policy" in result.matched
    assert not is_bundled(result)


def test_terms_with_sharing_and_marketing_is_bundled(lexicon: Lexicon) -> None:
    result = lexicon.classify("I agree to the Terms and to share my data with partners for marketing")
    assert result.purposes == ("marketing", "sharing", "terms")
    assert result.languages == ("en",)
    assert is_bundled(result)


def test_optional_purposes_without_terms_are_not_bundled(lexicon: Lexicon) -> None:
    assert not is_bundled(lexicon.classify("Share my data with partners for marketing"))


@pytest.mark.parametrize(
    "result",
    [
        Classification(False, ("credit", "terms"), (), ()),
        Classification(True, ("terms",), (), ()),
        Classification(True, ("analytics", "marketing"), (), ()),
    ],
)
def test_is_bundled_needs_consent_terms_and_an_optional_purpose(result: Classification) -> None:
    assert not is_bundled(result)


def test_longer_phrase_hides_the_phrases_inside_it(lexicon: Lexicon) -> None:
    assert lexicon.classify("Terms").purposes == ("terms",)
    assert not lexicon.classify("Include all search terms").consent
    assert lexicon.classify("Marketing").purposes == ("marketing",)
    assert lexicon.classify("Marketing cookies").purposes == ("personalised-ads",)
    assert lexicon.classify("Cookies").consent
    assert lexicon.classify("Strictly necessary cookies").matched == ("strictly necessary cookies",)


def test_purpose_outweighs_not_consent_phrase(lexicon: Lexicon) -> None:
    result = lexicon.classify("Keep me signed in and send me special offers")
    assert result.consent
    assert result.purposes == ("marketing",)
    assert "keep me signed in" in result.matched


def test_not_consent_outweighs_generic_consent(lexicon: Lexicon) -> None:
    assert lexicon.classify("Allow cookies").consent
    assert not lexicon.classify("Allow push notifications").consent


def test_scenario_phrases_make_product_label_consent(lexicon: Lexicon) -> None:
    label = "Join the Acme Perks Club"
    assert not lexicon.classify(label).consent
    extended = Lexicon.load(extra={"marketing": ["Acme Perks Club"], "consent": ["join"]})
    result = extended.classify(label)
    assert result.consent
    assert result.purposes == ("marketing",)
    assert result.matched == ("join", "Acme Perks Club")
    assert result.languages == ()
    # The lexicon files still apply alongside the scenario's phrases.
    assert extended.classify("Remember me").matched == ("remember me",)


def test_scenario_not_consent_phrase_overrides_generic_verb(lexicon: Lexicon) -> None:
    assert lexicon.classify("Allow Turbo Sync").consent
    extended = Lexicon.load(extra={"not_consent": ["turbo sync"]})
    assert not extended.classify("Allow Turbo Sync").consent


def test_scenario_phrases_must_be_a_list() -> None:
    with pytest.raises(LexiconError, match="expected a list"):
        Lexicon.load(extra={"marketing": "acme weekly"})


def test_scenario_category_must_be_known() -> None:
    with pytest.raises(LexiconError, match="unknown category 'newsletter'"):
        Lexicon.load(extra={"newsletter": ["acme weekly"]})


def test_nearby_text_used_for_label_less_control(lexicon: Lexicon) -> None:
    result = lexicon.classify("", nearby_text="我同意《芝麻服务协议》")
    assert result.consent
    assert result.purposes == ("terms",)
    assert lexicon.classify("  ", nearby_text="Share my data with partners").purposes == ("sharing",)


def test_nearby_text_used_when_label_matches_nothing(lexicon: Lexicon) -> None:
    result = lexicon.classify("Acme", nearby_text="Sign me up for the newsletter")
    assert result.purposes == ("marketing",)


def test_nearby_text_ignored_when_label_matches(lexicon: Lexicon) -> None:
    result = lexicon.classify("Remember me", nearby_text="I agree to the Terms of Service")
    assert not result.consent
    assert result.matched == ("remember me",)


def test_normalisation_of_width_case_quotes_hyphens_and_spaces() -> None:
    assert normalise("  I’ve\u00a0READ the\tＴｅｒｍｓ  ") == "i've read the terms"
    assert normalise("E\u2011Mail-Werbung") == "e mail werbung"
    assert normalise("Straße") == "strasse"


@pytest.mark.parametrize(
    ("label", "purposes"),
    [
        ("I AGREE TO THE TERMS", ("terms",)),
        ("Ｉ ａｇｒｅｅ ｔｏ ｔｈｅ ｔｅｒｍｓ", ("terms",)),
        ("Send me marketing\ne-mails", ("marketing",)),
        ("개인정보처리방침에 동의합니다", ("terms",)),
        ("개인정보 처리방침에 동의합니다", ("terms",)),
        ("我 同意 《隐私 政策》", ("terms",)),
        ("我同意Cookie政策", ("terms",)),
    ],
)
def test_matching_survives_case_width_and_cjk_spacing(
    lexicon: Lexicon, label: str, purposes: tuple[str, ...]
) -> None:
    result = lexicon.classify(label)
    assert result.consent
    assert result.purposes == purposes


@pytest.mark.parametrize(
    ("label", "consent_"),
    [
        ("Terms", True),
        ("Determinism", False),
        ("Partners", True),
        ("Partnership", False),
        ("Einwilligungserklärung", True),
        ("Statistically speaking", False),
    ],
)
def test_latin_phrases_match_on_word_boundaries(lexicon: Lexicon, label: str, consent_: bool) -> None:
    assert lexicon.classify(label).consent is consent_


def test_star_lifts_the_word_boundary_on_its_side(lexicon: Lexicon) -> None:
    assert not lexicon.classify("Reisebedingungen").consent
    extended = Lexicon.load(extra={"terms": ["*bedingungen"], "credit": ["kreditscor*"]})
    assert extended.classify("Reisebedingungen").purposes == ("terms",)
    assert extended.classify("Kreditscoring").purposes == ("credit",)
    assert extended.classify("Bedingungenlos").purposes == ()


def test_shorter_phrase_found_when_longer_one_ends_inside_a_word(lexicon: Lexicon) -> None:
    # The regex returns the scenario phrase, which ends inside "conditionality"; "terms" still fits.
    extended = Lexicon.load(extra={"credit": ["terms and condition"]})
    result = extended.classify("terms and conditionality")
    assert result.purposes == ("terms",)


def test_classification_fields_are_sorted_unique_evidence(lexicon: Lexicon) -> None:
    result = lexicon.classify("Partners, partners and third parties may know my location")
    assert result.purposes == ("location", "sharing")
    assert result.matched == ("partners", "third parties", "my location")
    assert result.languages == ("en",)


def test_shared_word_reports_every_language_that_has_it(lexicon: Lexicon) -> None:
    assert {"de", "en", "fr"} <= set(lexicon.classify("Marketing").languages)


def test_no_match_is_not_consent(lexicon: Lexicon) -> None:
    assert lexicon.classify("Size M") == Classification(False, (), (), ())
    assert lexicon.classify("") == Classification(False, (), (), ())


def test_every_lexicon_file_loads(lexicon: Lexicon) -> None:
    assert set(lexicon.languages) == set(LANGUAGES)
    assert set(_lexicon_files()) == {f"{language}.yaml" for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_covers_every_purpose(language: str) -> None:
    data = _lexicon_files()[f"{language}.yaml"]
    purposes = data["purposes"]
    assert isinstance(purposes, dict)
    for purpose in (*PURPOSE_IDS, "consent"):
        assert len(purposes.get(purpose, [])) >= 10, (language, purpose)
    assert len(data.get("not_consent", [])) >= 10


def _file_phrases() -> list[tuple[str, str, str]]:
    phrases = []
    for data in _lexicon_files().values():
        language = str(data["language"])
        purposes = data["purposes"]
        assert isinstance(purposes, dict)
        lists = [*purposes.items(), ("not_consent", data.get("not_consent", []))]
        for category, raws in lists:
            phrases += [(language, category, raw) for raw in raws]
    return phrases


def test_every_phrase_classifies_as_its_own_category(lexicon: Lexicon) -> None:
    # Catches phrases that normalise to nothing matchable or are shadowed by another list.
    wrong = []
    for language, category, raw in _file_phrases():
        result = lexicon.classify(raw.strip("*"))
        if category == "not_consent":
            ok = not result.consent
        elif category == "consent":
            ok = result.consent
        else:
            ok = category in result.purposes
        if not ok or language not in result.languages:
            wrong.append((language, category, raw, result))
    assert wrong == []


def test_no_phrase_is_consent_in_one_language_and_not_consent_in_another() -> None:
    categories: dict[str, set[str]] = {}
    for _, category, raw in _file_phrases():
        key = normalise(raw).strip("*").strip().replace(" ", "")
        categories.setdefault(key, set()).add(category)
    clashes = {k: v for k, v in categories.items() if "not_consent" in v and len(v) > 1}
    assert clashes == {}


def test_default_lexicon_is_cached() -> None:
    assert default_lexicon() is default_lexicon()


# Validation of lexicon files, against a scratch lexicon folder.


def test_scratch_lexicon_loads(lexicon_dir: Path) -> None:
    _write(lexicon_dir, "xx.yaml", GOOD_FILE)
    loaded = Lexicon.load()
    assert loaded.languages == ("xx",)
    assert loaded.classify("I agree to the terms").purposes == ("terms",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_FILE + "synonyms: [x]\n", r"unknown keys \['synonyms'\]"),
        (GOOD_FILE.replace("name: Test\n", ""), r"missing keys \['name'\]"),
        (GOOD_FILE.replace("terms:", "newsletter:"), r"unknown purpose ids \['newsletter'\]"),
        (GOOD_FILE.replace("language: xx", "language: yy"), "does not match the file name"),
        (GOOD_FILE.replace("[terms]", "[terms, 42]"), "is not a string"),
        (GOOD_FILE.replace("[terms]", "[terms, yes]"), "is not a string"),
        (GOOD_FILE.replace("[terms]", "[terms, Terms]"), "listed twice"),
        (GOOD_FILE.replace("[terms]", "[terms, '*']"), "empty"),
        (GOOD_FILE.replace("[terms]", "[te*rms]"), "inside it"),
        (GOOD_FILE.replace("[terms]", "terms"), "expected a list"),
        (GOOD_FILE.replace("[terms]", "[remember me]"), "both consent and not consent"),
        (GOOD_FILE + "name: Again\n", "duplicate keys"),
        (GOOD_FILE.replace("purposes:", "purposes: ["), "xx.yaml"),
        ("- just a list\n", "mapping at the top level"),
    ],
)
def test_malformed_lexicon_file_is_rejected(lexicon_dir: Path, text: str, message: str) -> None:
    _write(lexicon_dir, "xx.yaml", text)
    with pytest.raises(LexiconError, match=message):
        Lexicon.load()


def test_empty_lexicon_folder_is_rejected(lexicon_dir: Path) -> None:
    (lexicon_dir / "lexicon").mkdir()
    with pytest.raises(LexiconError, match="no lexicon files"):
        Lexicon.load()


@pytest.mark.parametrize(
    ("label", "refusal"),
    [
        ("Disagree Personalised advertising", True),
        ("Agree Personalised advertising", False),
        ("不同意 个性化广告", True),
        ("Nein Personalisierte Werbung", True),
        ("Yes, send me offers by email. No spam, ever.", False),
        ("I do not want to receive marketing emails", True),
        ("Cookies : Deny all cookies", True),
        ("Newsletter | No thanks", True),
    ],
)
def test_an_option_that_opens_with_a_refusal_withholds_consent(label: str, refusal: bool) -> None:
    classification = default_lexicon().classify(label)
    assert classification.refusal is refusal
    # A refusal answers a consent question without asking for consent itself.
    assert classification.consent is not refusal


def test_a_control_on_and_locked_asks_nothing_unless_its_words_name_a_purpose() -> None:
    lexicon = default_lexicon()
    assert not lexicon.classify("Session cookie", locked_on=True).consent
    assert not lexicon.classify("Livechat", "", "This website uses cookies", locked_on=True).consent
    assert lexicon.classify("Session cookie").consent
    locked_marketing = lexicon.classify("Send me marketing emails", locked_on=True)
    assert (locked_marketing.consent, locked_marketing.purposes) == (True, ("marketing",))


def test_the_description_speaks_when_the_label_says_nothing() -> None:
    lexicon = default_lexicon()
    described = lexicon.classify("Matomo", description="Collects anonymous visitor statistics")
    assert (described.consent, described.purposes, described.source) == (True, ("analytics",), "description")
    assert lexicon.classify("Matomo").source == ""
    assert lexicon.classify("Matomo", "", "Information that we collect about you").source == "context"


def test_a_label_that_says_nothing_takes_the_question_of_its_dialog() -> None:
    lexicon = default_lexicon()
    asked = lexicon.classify("Preferences", "", "This website uses cookies")
    assert (asked.consent, asked.purposes) == (True, ())
    assert lexicon.classify("Preferences", "", "Display options").consent is False
    assert lexicon.classify("Remember me", "", "This website uses cookies").consent is False
    assert lexicon.classify("Preferences").consent is False
