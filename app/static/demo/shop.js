// The demo shop's own behaviour. Tracking calls go through the global `journey` stub, so
// they are queued even before the snippet has loaded.

const CATALOGUE = [
  { sku: 'A1', name: 'Red running shoes', price: '89.00' },
  { sku: 'A2', name: 'Blue trail shoes', price: '119.00' },
  { sku: 'B1', name: 'Wool socks', price: '12.50' },
  { sku: 'C1', name: 'Rain jacket', price: '149.00' },
];

const params = new URLSearchParams(location.search);

function productList(products) {
  const list = document.createElement('ul');
  list.className = 'products';
  for (const product of products) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `product.html?sku=${encodeURIComponent(product.sku)}`;
    link.textContent = product.name;
    const price = document.createElement('div');
    price.className = 'price';
    price.textContent = `€${product.price}`;
    item.append(link, price);
    list.append(item);
  }
  return list;
}

const pages = {
  products() {
    document.querySelector('#catalogue').append(productList(CATALOGUE));
  },

  product() {
    const product = CATALOGUE.find((p) => p.sku === params.get('sku')) || CATALOGUE[0];
    document.querySelector('#name').textContent = product.name;
    document.querySelector('#price').textContent = `€${product.price}`;
    document.querySelector('#add-to-cart').addEventListener('click', () => {
      journey('record', 'add_to_cart', { sku: product.sku }, { icon: 'cart' });
      document.querySelector('#added').hidden = false;
    });
    document.querySelector('#buy-now').addEventListener('click', () => {
      journey('record', 'purchase', { sku: product.sku, price: Number(product.price) }, { icon: 'bag' });
      document.querySelector('#bought').hidden = false;
    });
  },

  search() {
    const term = (params.get('q') || '').trim();
    const words = term.toLowerCase().split(/\s+/).filter(Boolean);
    const found = CATALOGUE.filter((p) => words.some((w) => p.name.toLowerCase().includes(w)));
    document.querySelector('#term').textContent = term;
    document.querySelector('#results').append(productList(found));
  },

  signin() {
    // Only the email may be sent with the form events; the password never is.
    journey('form:track', '#signin', { fields: ['email'] });
    document.querySelector('#signin').addEventListener('submit', (event) => {
      event.preventDefault(); // a GET submit would put the password into the URL
      const email = event.target.elements.email.value;
      journey('identify', { email, traits: { name: event.target.elements.name.value } });
      location.href = 'index.html';
    });
  },
};

for (const link of document.querySelectorAll('[data-logout]')) {
  link.addEventListener('click', () => journey('logout'));
}
pages[document.body.dataset.page]?.();
