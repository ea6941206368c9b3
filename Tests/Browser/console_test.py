#!/usr/bin/env python3
"""The web console in a real browser: Debian's Chromium, headless, driven by Selenium
through Debian's chromium-driver (never a downloaded browser or driver).

Started by the Swift test `ConsoleBrowserTests` (so by `make test`) against a real
`echoctl serve` on loopback with a real store and a fake MLLM server speaking the
OpenAI protocol. Each step prints `ok - NAME`; the first failure prints what was expected
and what the page showed, writes a screenshot, and exits 1. Screenshots of every page
go to --screenshots.
"""

import argparse
import os
import sys
import time
import traceback

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download a browser

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


class Console:
    def __init__(self, arguments):
        self.a = arguments
        options = webdriver.ChromeOptions()
        options.binary_location = arguments.chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1600,1000", "--force-device-scale-factor=1", "--lang=en-GB"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(executable_path=arguments.chromedriver), options=options)
        self.driver.set_page_load_timeout(30)
        os.makedirs(arguments.screenshots, exist_ok=True)

    # ---- helpers ---------------------------------------------------------------------
    def wait(self, condition, what, timeout=30):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(condition)
        except Exception as error:
            raise AssertionError(f"timed out waiting for {what}; messages on the page: {self.messages()!r}") from error

    def find(self, selector, timeout=30):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)), selector, timeout)

    def all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def messages(self):
        return [m.text for m in self.driver.find_elements(By.CSS_SELECTOR, "#messages .message .text")]

    def go(self, fragment):
        """Opens a page of the console; the same page again is drawn afresh."""
        if self.driver.current_url.startswith(self.a.url + "/"):
            self.driver.execute_script("if (location.hash === arguments[0] && window.Echo) Echo.route(); else location.hash = arguments[0];", fragment)
        else:
            self.driver.get(self.a.url + "/" + fragment)

    def screenshot(self, name):
        path = os.path.join(self.a.screenshots, name + ".png")
        self.driver.save_screenshot(path)
        return path

    def images_loaded(self, selector):
        return self.driver.execute_script(
            "const images = Array.from(document.querySelectorAll(arguments[0]));"
            "return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);", selector)

    def sign_in(self, token):
        self.go("#/")
        self.find("#token").send_keys(token)
        self.find("#sign-in-form button").click()

    def sign_out(self):
        self.find("#sign-out").click()
        self.find("#token")

    # ---- the steps ----------------------------------------------------------------------
    def wrong_token_shows_the_api_message(self):
        self.go("#/")
        self.find("#sign-in")
        # Keyboard: the token field and the button are reachable and focus is visible.
        self.driver.switch_to.active_element.send_keys("not-a-token")
        assert self.driver.switch_to.active_element.get_attribute("id") == "token", "the token field has focus first"
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        assert self.driver.switch_to.active_element.text == "Sign in", "Tab reaches the sign-in button"
        outline = self.driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "the focused button shows a focus ring"
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(lambda d: any("is not one of this service's tokens" in m for m in self.messages()), "the API's invalid_token message")
        assert any("(invalid_token)" in m for m in self.messages()), self.messages()
        assert self.find("#sign-in").is_displayed()
        self.screenshot("01-sign-in-error")

    def sign_in_and_create_a_category(self):
        self.sign_in(self.a.rw_token)
        self.find("#overview-title")
        badge = self.find("#access-badge").text
        assert badge == "read-write", badge
        # The form checks the name as the API does before it sends anything.
        name = self.find("#new-category")
        name.send_keys("no spaces/please")
        assert self.driver.execute_script("return arguments[0].validity.patternMismatch", name), "a bad name is refused by the form"
        name.clear()
        name.send_keys(self.a.category)
        assert self.driver.execute_script("return arguments[0].checkValidity()", name), "a good name passes the form's check"
        self.find("#create-category button").click()
        self.wait(lambda d: d.current_url.endswith("#/category/" + self.a.category), "the category page")
        self.find("#category-title")

    def upload_golden_samples(self):
        files = sorted(os.path.join(self.a.golden, name) for name in os.listdir(self.a.golden))
        self.find("#golden-files")  # the file input is the drop zone's keyboard path
        self.driver.find_element(By.CSS_SELECTOR, "#golden-files").send_keys("\n".join(files))
        self.wait(lambda d: len(self.all("#upload-list li [data-status]")) == len(files), f"{len(files)} uploads to finish", 120)
        statuses = [e.get_attribute("data-status") for e in self.all("#upload-list li .state")]
        assert statuses == ["added"] * len(files), statuses
        progress = [float(e.get_attribute("value")) for e in self.all("#upload-list progress")]
        assert all(value == 1.0 for value in progress), progress
        # The same file again is reported as a duplicate; a file that is not an image gets the API's message.
        self.driver.find_element(By.CSS_SELECTOR, "#golden-files").send_keys(files[0])
        self.wait(lambda d: len(self.all("#upload-list li [data-status]")) == len(files) + 1, "the duplicate upload")
        last = self.all("#upload-list li .state")[-1]
        assert last.get_attribute("data-status") == "duplicate" and "duplicate" in last.text, last.text
        self.driver.find_element(By.CSS_SELECTOR, "#golden-files").send_keys(self.a.not_an_image)
        self.wait(lambda d: len(self.all("#upload-list li [data-status]")) == len(files) + 2, "the refused upload")
        refused = self.all("#upload-list li .state")[-1]
        assert refused.get_attribute("data-status") == "failed" and "bad_image" in refused.text, refused.text
        self.wait(lambda d: len(self.all("#gallery figure")) == len(files), "the gallery of every golden sample")
        self.wait(lambda d: self.images_loaded("#gallery img"), "every thumbnail to load")
        captions = [e.text for e in self.all("#gallery figcaption")]
        assert all(any(os.path.basename(f) in c for c in captions) for f in files), f"each golden sample under its file name: {captions}"
        self.find("#gallery-filter").send_keys(os.path.basename(files[0]))
        self.wait(lambda d: len(self.all("#gallery figure")) == 1, "the filter to leave one golden sample")
        self.find("#gallery-filter").clear()
        self.find("#gallery-filter").send_keys("x")  # clear() sends no input event; type and erase instead
        self.find("#gallery-filter").send_keys(Keys.BACKSPACE)
        self.wait(lambda d: len(self.all("#gallery figure")) == len(files), "the whole gallery again")
        self.uploaded = len(files)

    def calibrate(self):
        self.find("[data-action=calibrate]").click()
        self.wait(lambda d: any(m.startswith("Calibrated " + self.a.category + ": threshold") for m in self.messages()), "the calibration message", 120)
        assert "Threshold" in self.find("#calibration-status").text
        self.go("#/category/" + self.a.category)
        self.wait(lambda d: "not calibrated" not in self.find("[data-field=threshold]").text, "the threshold on the page")
        self.wait(lambda d: self.images_loaded("#gallery img"), "thumbnails (from the browser's cache)")
        self.screenshot("02-category")

    def remove_with_confirmation(self):
        figures = self.all("#gallery figure")
        removed = figures[-1].get_attribute("data-reference")
        figures[-1].find_element(By.CSS_SELECTOR, "button").click()
        self.wait(EC.visibility_of_element_located((By.ID, "confirm")), "the confirmation dialog")
        self.screenshot("03-confirm-remove")
        self.find("#confirm-cancel").click()
        time.sleep(0.3)
        assert len(self.all("#gallery figure")) == self.uploaded, "cancel keeps the golden sample"
        self.all("#gallery figure")[-1].find_element(By.CSS_SELECTOR, "button").click()
        self.find("#confirm-ok").click()
        self.wait(lambda d: len(self.all("#gallery figure")) == self.uploaded - 1, "the golden sample to leave the gallery")
        assert removed not in [f.get_attribute("data-reference") for f in self.all("#gallery figure")]
        assert any("Removed golden sample #" + removed in m for m in self.messages()), self.messages()
        # The threshold is stale now: calibrate again so the inspection below is current.
        self.find("[data-action=calibrate]").click()
        self.wait(lambda d: sum(m.startswith("Calibrated ") for m in self.messages()) >= 1, "the second calibration", 120)

    def inspect_a_defective_image(self):
        self.find("nav a[data-page=inspect]").click()
        self.find("#inspect-title")
        Select(self.find("#inspect-category")).select_by_value(self.a.category)
        self.driver.find_element(By.CSS_SELECTOR, "#inspect-files").send_keys(self.a.defective)
        item = self.wait(lambda d: self.all("#inspect-results .result-item"), "the inspection result", 120)[0]
        assert item.get_attribute("data-verdict") == "anomalous", item.text
        assert "against threshold" in item.text, item.text
        canvas = item.find_element(By.CSS_SELECTOR, "canvas[data-heatmap]")
        assert canvas.get_attribute("width") == "28" and canvas.get_attribute("height") == "28"
        slider = item.find_element(By.CSS_SELECTOR, "input[type=range]")
        slider.send_keys(Keys.HOME)
        assert canvas.value_of_css_property("opacity") == "0", canvas.value_of_css_property("opacity")
        for _ in range(8):
            slider.send_keys(Keys.ARROW_RIGHT)
        assert canvas.value_of_css_property("opacity") == "0.08", canvas.value_of_css_property("opacity")
        slider.send_keys(Keys.END)
        assert canvas.value_of_css_property("opacity") == "1"
        for _ in range(30):
            slider.send_keys(Keys.ARROW_LEFT)
        self.wait(lambda d: self.images_loaded("#inspect-results .neighbours img"), "the nearest normals' thumbnails")
        assert len(item.find_elements(By.CSS_SELECTOR, ".neighbours figure")) == 3
        assert "similarity" in item.find_element(By.CSS_SELECTOR, ".neighbours").text
        assert item.find_element(By.CSS_SELECTOR, "[data-field=region]").text.strip()
        assert item.find_element(By.CSS_SELECTOR, ".review").get_attribute("data-decided-by") == "vision"
        assert "vision expert alone" in item.find_element(By.CSS_SELECTOR, ".review").text
        self.screenshot("04-inspect")
        # With the MLLM experts: their review, marked as theirs.
        self.find("#inspect-mllm").click()
        self.driver.find_element(By.CSS_SELECTOR, "#inspect-files").send_keys(self.a.defective)
        self.wait(lambda d: len(self.all("#inspect-results .result-item")) == 2, "the reviewed result", 120)
        reviewed = self.all("#inspect-results .result-item")[0]
        review = reviewed.find_element(By.CSS_SELECTOR, ".review")
        assert review.get_attribute("data-decided-by") == "experts", review.text
        assert "scratch" in review.text and "experts' review" in review.text, review.text
        assert reviewed.get_attribute("data-verdict") == "anomalous"
        self.screenshot("05-inspect-experts")
        self.run_link = item.find_element(By.PARTIAL_LINK_TEXT, "Open run #")

    def open_the_run(self):
        run = self.run_link.text.split("#")[1]
        self.run_link_run = run
        self.run_link.click()
        self.find("#run-title")
        assert self.find("#run-title").text.startswith("Run #" + run), self.find("#run-title").text
        item = self.find("#run-results .result-item")
        assert item.get_attribute("data-verdict") == "anomalous"
        self.wait(lambda d: self.images_loaded("#run-results .overlay img"), "the kept image of the run")
        assert item.find_elements(By.CSS_SELECTOR, "canvas[data-heatmap]")
        assert "anomalous 1" in self.find("[data-field=summary]").text
        self.screenshot("06-run")
        self.find("nav a[data-page=runs]").click()
        self.find("#runs-title")
        self.wait(lambda d: self.all(f"tr[data-run='{run}']"), "the run in the list")
        count = len(self.all("tr[data-run]"))
        assert count >= 2, count
        self.find("#runs-anomalous").click()
        self.wait(lambda d: len(self.all("tr[data-run]")) == 2, "only the runs with anomalies (the two inspections)")
        self.screenshot("07-runs")
        self.find("nav a[data-page=overview]").click()
        card = self.find(f"article[data-category='{self.a.category}']")
        assert card.find_element(By.CSS_SELECTOR, "[data-field=references]").text == str(self.uploaded - 1)
        assert "anomaly rate 100.0 %" in card.text, card.text
        self.screenshot("08-overview")

    def readable_on_a_laptop_and_a_line_monitor(self):
        """The run page and the category page at 1366x768 and at 1920x1080: nothing runs off
        the side, every image says what it shows (or is marked decorative), every control is
        reachable by Tab."""
        for width, height, name in ((1366, 768, "laptop"), (1920, 1080, "line-monitor")):
            self.driver.set_window_size(width, height)
            for fragment, ready in (("#/runs/" + self.run_link_run, "#run-results .result-item"),
                                    ("#/category/" + self.a.category, "#gallery figure")):
                self.go(fragment)
                self.find(ready)
                self.wait(lambda d: self.images_loaded("main img"), "the page's images")
                overflow = self.driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{fragment} at {width}x{height} is {overflow} px too wide"
                missing = self.driver.execute_script(
                    "return [...document.querySelectorAll('img')].filter(i => !i.hasAttribute('alt') || "
                    "(!i.getAttribute('alt').trim() && i.getAttribute('role') !== 'presentation')).map(i => i.src)")
                assert not missing, f"images without alt text on {fragment}: {missing}"
                # Every button, link and field is a Tab stop: none is taken out of the order.
                unreachable = self.driver.execute_script(
                    "return [...document.querySelectorAll('main button, main a[href], main input, main select')]"
                    ".filter(e => e.tabIndex < 0).map(e => e.outerHTML.slice(0, 80))")
                assert not unreachable, unreachable
            self.screenshot(f"10-category-{name}")
        self.driver.set_window_size(1600, 1000)

    def read_only_token_sees_no_write_controls(self):
        self.sign_out()
        self.sign_in(self.a.ro_token)
        self.find("#overview-title")
        assert self.find("#access-badge").text == "read-only"
        self.find(f"article[data-category='{self.a.category}']")
        assert not self.all("[data-write]") and not self.all("#create-category"), "no write controls on the overview"
        self.go("#/category/" + self.a.category)
        self.find("#category-title")
        self.wait(lambda d: len(self.all("#gallery figure")) == self.uploaded - 1, "the gallery")
        assert not self.all("[data-write]"), [e.tag_name for e in self.all("[data-write]")]
        assert not self.all("#gallery button") and not self.all("#golden-files") and not self.all("[data-action]")
        self.screenshot("09-category-read-only")
        # A read-only token may still inspect (inspections are recorded as runs for the audit trail).
        self.go("#/inspect")
        self.find("#inspect-title")
        self.sign_out()

    def run(self):
        steps = [self.wrong_token_shows_the_api_message, self.sign_in_and_create_a_category, self.upload_golden_samples, self.calibrate,
                 self.remove_with_confirmation, self.inspect_a_defective_image, self.open_the_run,
                 self.readable_on_a_laptop_and_a_line_monitor, self.read_only_token_sees_no_write_controls]
        started = time.monotonic()
        try:
            for step in steps:
                step()
                print(f"ok - {step.__name__}", flush=True)
            # The API's own refusals the steps provoke are logged by the browser as failed
            # loads: 401 (the wrong token), 400 (the file that is no image) and 404 for the
            # knowledge of a category that has none yet. Anything else is a fault.
            expected = ("status of 401", "status of 400")
            errors = [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                      and not any(text in entry["message"] for text in expected)
                      and not ("/v1/knowledge/" in entry["message"] and "status of 404" in entry["message"])]
            assert not errors, f"the browser's console has errors: {errors}"
            print(f"ok - no script errors; {len(steps)} steps in {time.monotonic() - started:.1f} s", flush=True)
            return 0
        except Exception:
            traceback.print_exc()
            print(f"not ok - screenshot at {self.screenshot('failure')}; messages {self.messages()!r}", flush=True)
            return 1
        finally:
            self.driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rw-token", required=True)
    parser.add_argument("--ro-token", required=True)
    parser.add_argument("--category", default="widget")
    parser.add_argument("--golden", required=True, help="a folder of normal images")
    parser.add_argument("--defective", required=True, help="an image with a defect")
    parser.add_argument("--not-an-image", required=True, help="a file that is not an image, named .png")
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    return Console(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
