/// <reference lib="dom" />
import t from 'tap'
import { existsSync } from 'node:fs'
import { CHROMIUM, launchChromium, screenshotPath } from '../helpers/chromium.js'
import { startSandbox } from '../../src/kit/index.js'

// The reference page in a real browser: it loads from the sandbox alone, breaks none of its own CSP,
// and reads as a page (screenshots in test/screenshots/).
t.test('/docs in chromium: every request to the sandbox itself, no CSP violation, styled', async (t) => {
  t.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM}`)
  const sb = await startSandbox()
  t.teardown(() => sb.close())
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const requested: string[] = []
  const problems: string[] = []
  page.on('request', (r) => requested.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  const res = await page.goto(`${sb.url}/docs`)
  t.equal(res?.status(), 200)
  t.same(
    requested.filter((u) => !u.startsWith(`${sb.url}/`)),
    [],
    'nothing from another origin',
  )
  t.ok(requested.includes(`${sb.url}/docs/docs.css`), 'the style sheet, from the sandbox')
  t.same(problems, [], 'no CSP violation or error')
  const look = await page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector('nav')!).position,
    post: getComputedStyle(document.querySelector('.m.post')!).backgroundColor,
    sections: document.querySelectorAll('section.op').length,
  }))
  t.same({ nav: look.nav, post: look.post }, { nav: 'sticky', post: 'rgb(26, 127, 55)' }, 'the style sheet applies')
  t.ok(look.sections > 40, `${look.sections} operations`)
  await page.click('nav a[href="#post_v1_payment_charges_paymentChargeId_refunds"]')
  t.match(
    await page.textContent('#post_v1_payment_charges_paymentChargeId_refunds'),
    /Refund all or part of a captured charge[\s\S]*amount/,
  )
  await page.screenshot({ path: screenshotPath('docs-refunds') })
  await page.goto(`${sb.url}/docs#post_v1_payment_charges`)
  await page.screenshot({ path: screenshotPath('docs-create-charge') })
})
