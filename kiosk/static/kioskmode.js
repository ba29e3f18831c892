// What only the kiosk touchscreen needs: its pairing, its on-screen keyboard, the ticket screen with its
// print and the SMS/WhatsApp pad. A phone on /ambil/ never shows them (it takes its ticket on /t/ and
// types on its own keyboard), so kiosk.js loads this module on the kiosk alone and the phone's first
// visit on the MPP's weak Wi-Fi carries ~11 KB less.
export { KIOSK, kioskHeaders } from "./pairing.js";
export { printWatch, ticketHtml } from "./ticketscreen.js";
export { keyboardHtml, typeKey } from "/static/keyboard.js";
export { mountNotify } from "/kiosk/static/notify.js";
