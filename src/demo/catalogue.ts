/** The demo shop's merchant id: a tenant of its own, so "reset demo" touches nothing else. */
export const DEMO_MERCHANT = 'merch_demo_shop'
export const DEMO_DISPLAY_NAME = '서울 굿즈샵'

export interface Product {
  id: string
  ko: string
  en: string
  price: number
  /** A tile colour: the shop has no images (nothing is fetched from outside the sandbox). */
  tile: string
  note?: string
  /** Sold as a monthly subscription (a payment agreement), not through the cart. */
  monthly?: boolean
}

export const PRODUCTS: readonly Product[] = [
  { id: 'mug', ko: '도자기 머그컵', en: 'Ceramic mug', price: 12_000, tile: '#f6c58f' },
  { id: 'bear', ko: '곰 인형', en: 'Teddy bear', price: 29_000, tile: '#c9a27e' },
  { id: 'tote', ko: '에코백', en: 'Tote bag', price: 18_500, tile: '#a8d5ba' },
  {
    id: 'speaker',
    ko: '블루투스 스피커',
    en: 'Bluetooth speaker',
    price: 350_000,
    tile: '#9fb4e0',
    note: '300,000–400,000원: declined by PPRO’s simulator',
  },
  { id: 'coffee', ko: '원두 정기배송', en: 'Coffee beans, monthly', price: 9_900, tile: '#b08968', monthly: true },
]

export const productById = (id: string): Product | undefined => PRODUCTS.find((p) => p.id === id)

export type CartLine = { product: Product; qty: number }

/** What a demo run shows; each starts a fresh order with its own cart. */
export const SCENARIOS = {
  approve: {
    ko: '결제 승인',
    en: 'Approve',
    cart: { mug: 1, bear: 1 },
    how: 'Scan the QR (or open the phone page) and enter any six digits.',
  },
  decline: {
    ko: '결제 거절',
    en: 'Decline',
    cart: { speaker: 1 },
    how: '350,000원 is in PPRO’s simulator range: approving it declines (GENERIC_DECLINE).',
  },
  cancel: {
    ko: '소비자 취소',
    en: 'Consumer cancels',
    cart: { tote: 1 },
    how: 'Close the KakaoPay window (×) and confirm, or enter PIN 000000 on the phone.',
  },
  timeout: {
    ko: '시간 초과',
    en: 'Timeout',
    cart: { mug: 1 },
    how: 'Press “move the clock” on the order: the sandbox clock jumps past the authentication window.',
  },
  refund: {
    ko: '구매 후 환불',
    en: 'Refund after purchase',
    cart: { bear: 2 },
    how: 'Approve, then refund part (29,000원) or all of it from the order page.',
  },
  subscription: {
    ko: '정기결제',
    en: 'Subscription',
    cart: { coffee: 1 },
    how: 'Register the monthly payment (a payment agreement, first month paid), then charge a renewal.',
  },
} as const satisfies Record<string, { ko: string; en: string; cart: Record<string, number>; how: string }>

export type Scenario = keyof typeof SCENARIOS
export const isScenario = (s: string): s is Scenario => Object.hasOwn(SCENARIOS, s)

/** The cart as the `demo_cart` cookie holds it: `mug:2,bear:1`. Unknown products and bad counts are dropped. */
export function parseCart(value: string | undefined): CartLine[] {
  const lines: CartLine[] = []
  for (const part of (value ?? '').split(',')) {
    const [id, n] = part.split(':')
    const product = id ? productById(id) : undefined
    const qty = Number(n)
    if (product && !product.monthly && Number.isInteger(qty) && qty > 0 && qty <= 99 && !lines.some((l) => l.product === product)) {
      lines.push({ product, qty })
    }
  }
  return lines
}

export const formatCart = (lines: readonly CartLine[]) => lines.map((l) => `${l.product.id}:${l.qty}`).join(',')

export const cartOf = (spec: Record<string, number>): CartLine[] =>
  Object.entries(spec).flatMap(([id, qty]) => {
    const product = productById(id)
    return product ? [{ product, qty }] : []
  })

export const totalOf = (lines: readonly CartLine[]) => lines.reduce((sum, l) => sum + l.product.price * l.qty, 0)

export const won = (n: number) => `${n.toLocaleString('en-US')}원`
