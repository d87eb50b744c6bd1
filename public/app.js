// Progressive enhancement only: every form works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // "Přidat přílohu" / "Odstranit" rows, as the manual describes the form
  for (const box of document.querySelectorAll('fieldset.files')) {
    const rows = box.querySelector('.file-rows');
    const add = box.querySelector('.add-file');
    const template = box.querySelector('.file-row-template');
    const max = Number(box.dataset.max || 10);
    const first = rows.querySelector('input[type=file]');
    first.removeAttribute('multiple');
    add.hidden = false;
    const refresh = () => { add.disabled = rows.children.length >= max; };
    add.addEventListener('click', () => {
      rows.appendChild(template.content.cloneNode(true));
      refresh();
    });
    rows.addEventListener('click', (e) => {
      if (e.target.classList.contains('remove-file')) { e.target.closest('.file-row').remove(); refresh(); }
    });
  }
  // only the chosen contract's paragraphs are offered
  const contract = document.getElementById('contract_id');
  const paragraph = document.getElementById('paragraph_id');
  if (contract && paragraph) {
    const sync = () => {
      for (const group of paragraph.querySelectorAll('optgroup')) {
        const show = !contract.value || group.dataset.contract === contract.value;
        group.hidden = !show;
        group.disabled = !show;
      }
      const chosen = paragraph.selectedOptions[0];
      if (chosen && chosen.dataset.contract && chosen.dataset.contract !== contract.value) paragraph.value = '';
    };
    contract.addEventListener('change', sync);
    sync();
  }
});
