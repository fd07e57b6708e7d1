import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPaymentMethods } from '../../src/config-files.js'
import { type MethodRequest, PaymentMethods } from '../../src/domain/payment-methods.js'
import { simulatedDecline } from '../../src/domain/simulation.js'

const ok: MethodRequest = {
  paymentMethod: 'KAKAOPAY',
  country: 'KR',
  currency: 'KRW',
  amount: 15000,
  authenticationTypes: ['REDIRECT'],
  returnUrl: 'https://shop.example/r',
}

t.test('the KakaoPay fixture holds the seed page properties', async (t) => {
  const methods = await loadPaymentMethods()
  t.match(methods.get('KAKAOPAY'), {
    markets: ['KR'],
    processingCurrencies: ['KRW'],
    settlementCurrencies: ['USD'],
    authenticationMethods: ['REDIRECT'],
    minimumAmount: { value: 50, currency: 'KRW' },
    maximumAmount: { value: 2000000, currency: 'KRW' },
    recurringPayments: true,
    separateCaptures: false,
    refunds: ['FULL', 'PARTIAL', 'MULTIPLE'],
    refundValidityDays: 365,
    chargebacks: false,
  })
  t.equal(methods.check(ok), undefined)
  t.equal(methods.check({ ...ok, amount: 49 }), 'AMOUNT_NOT_SUPPORTED')
  t.equal(methods.check({ ...ok, amount: 50 }), undefined)
  t.equal(methods.check({ ...ok, amount: 2_000_000 }), undefined)
  t.equal(methods.check({ ...ok, amount: 2_000_001 }), 'AMOUNT_NOT_SUPPORTED')
  t.equal(methods.check({ ...ok, currency: 'USD' }), 'INVALID_CURRENCY')
  t.equal(methods.check({ ...ok, country: 'US' }), 'COUNTRY_NOT_SUPPORTED')
  t.equal(methods.check({ ...ok, paymentMethod: 'CARD' }), 'INVALID_PAYMENT_METHOD')
  t.equal(methods.check({ ...ok, authenticationTypes: [] }), 'INVALID_AUTHENTICATION_SETTINGS')
  t.equal(methods.check({ ...ok, returnUrl: undefined }), 'INVALID_AUTHENTICATION_SETTINGS')
})

t.test('an agreement is checked by the same rules, without an amount, and asks for recurring support', async (t) => {
  const methods = await loadPaymentMethods()
  const agreement: MethodRequest = { ...ok, recurring: true, amount: undefined, currency: undefined }
  t.equal(methods.check(agreement), undefined, 'no amount and no currency: nothing to refuse')
  t.equal(methods.check({ ...agreement, currency: 'USD' }), 'INVALID_CURRENCY')
  t.equal(methods.check({ ...agreement, country: 'US' }), 'COUNTRY_NOT_SUPPORTED')
  t.equal(methods.check({ ...agreement, returnUrl: undefined }), 'INVALID_AUTHENTICATION_SETTINGS')
  const once = new PaymentMethods([{ ...methods.get('KAKAOPAY')!, recurringPayments: false }])
  t.equal(once.check(agreement), 'INVALID_PAYMENT_METHOD', 'a method without recurring payments refuses an agreement')
  t.equal(once.check(ok), undefined, 'and still takes a one-off charge')
})

t.test('another redirect method is a new fixture file, not code', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'methods-'))
  const kakao = JSON.parse(
    await (await import('node:fs/promises')).readFile(new URL('../../fixtures/payment-methods/kakaopay.json', import.meta.url), 'utf8'),
  )
  await writeFile(
    join(dir, 'naverpay.json'),
    JSON.stringify({ ...kakao, paymentMethod: 'NAVERPAY', displayName: 'Naver Pay', minimumAmount: { value: 100, currency: 'KRW' } }),
  )
  const methods = await loadPaymentMethods(dir)
  t.same(methods.names, ['NAVERPAY'])
  t.equal(methods.check({ ...ok, paymentMethod: 'NAVERPAY', amount: 99 }), 'AMOUNT_NOT_SUPPORTED')
  t.equal(methods.check({ ...ok, paymentMethod: 'KAKAOPAY' }), 'INVALID_PAYMENT_METHOD')
  await writeFile(join(dir, 'broken.json'), JSON.stringify({ paymentMethod: 'lower' }))
  await t.rejects(loadPaymentMethods(dir), /fixture broken\.json: paymentMethod/)
})

t.test('PPRO simulator amounts: 300,000 to 400,000 decline at authorization', async (t) => {
  t.equal(simulatedDecline(299_999), undefined)
  t.equal(simulatedDecline(300_000), 'GENERIC_DECLINE')
  t.equal(simulatedDecline(300_001), 'GENERIC_DECLINE')
  t.equal(simulatedDecline(300_002), 'INSUFFICIENT_FUNDS')
  t.equal(simulatedDecline(350_102), 'INSUFFICIENT_FUNDS')
  t.equal(simulatedDecline(400_000), 'GENERIC_DECLINE')
  t.equal(simulatedDecline(400_001), undefined)
})
