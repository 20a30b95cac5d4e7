module TopModule (
  input            clk,
  input            reset,
  input            en,
  output reg [3:0] tens,
  output reg [3:0] ones,
  output           carry
);
  always @(posedge clk) begin
    if (reset) begin
      tens <= 4'd0;
      ones <= 4'd0;
    end else if (en) begin
      if (ones == 4'd9) begin
        ones <= 4'd0;
        tens <= (tens == 4'd9) ? 4'd0 : tens + 4'd1;
      end else begin
        ones <= ones + 4'd1;
      end
    end
  end
  assign carry = en && (tens == 4'd9) && (ones == 4'd9);
endmodule
