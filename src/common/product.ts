/** The product's display name, shared by every host (window title, views, CLI banners). */
export const PRODUCT_NAME = 'D-Softmax Studio'
