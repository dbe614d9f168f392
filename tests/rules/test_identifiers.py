import pytest
from hypothesis import given
from hypothesis import strategies as st

from kikin.rules.identifiers import (
    corporate_number_check_digit,
    is_valid_corporate_number,
    is_valid_researcher_number,
    normalise_digits,
)


def test_the_national_tax_agencys_own_number():
    assert corporate_number_check_digit("000012050002") == 7
    assert is_valid_corporate_number("7000012050002")


@pytest.mark.parametrize(
    "number",
    [
        "1234567890123",
        "700001205000",
        "70000120500021",
        "７000012050002",
        "7000O12050002",
        "",
        None,
    ],
)
def test_wrong_corporate_numbers(number):
    assert not is_valid_corporate_number(number)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_exactly_one_check_digit_fits_every_base(base):
    fitting = [d for d in range(10) if is_valid_corporate_number(f"{d}{base}")]
    assert fitting == [corporate_number_check_digit(base)]
    assert 1 <= fitting[0] <= 9


@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 12), st.integers(1, 9)
)
def test_a_single_changed_digit_is_caught(base, position, delta):
    number = f"{corporate_number_check_digit(base)}{base}"
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    # weights 1 and 2 are prime to 9, so a one-digit change moves the sum mod 9 unless the
    # change is a multiple of 9 (0 ↔ 9) at a weight-1 place
    changed = "".join(digits)
    if abs(int(changed[position]) - int(number[position])) != 9:
        assert not is_valid_corporate_number(changed)


def test_researcher_numbers_and_normalising():
    assert is_valid_researcher_number("12345678")
    assert not is_valid_researcher_number("1234567")
    assert not is_valid_researcher_number("１２３４５６７８")
    assert normalise_digits("１２３４-５６７８") == "12345678"
    assert normalise_digits(" 7000 0120 50002 ") == "7000012050002"
